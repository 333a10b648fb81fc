#include "core/sealed_stream.hpp"

#include <algorithm>
#include <cstring>

namespace voixer::core {

namespace {

constexpr std::array<std::uint8_t, 4> kClientMagic = {kSealedFirstByte, 'V', 'X', '1'};
constexpr std::array<std::uint8_t, 4> kServerMagic = {kSealedFirstByte, 'V', 'X', 'S'};
constexpr std::string_view kTranscriptLabel = "voixer sealed text v1";
constexpr std::size_t kAbytes = crypto_secretstream_xchacha20poly1305_ABYTES;
static_assert(kRecordOverhead == 2 + kAbytes);

std::string transcript(const std::uint8_t* client_eph, const std::uint8_t* server_eph) {
  std::string t(kTranscriptLabel);
  t.append(reinterpret_cast<const char*>(client_eph), 32);
  t.append(reinterpret_cast<const char*>(server_eph), 32);
  return t;
}

const std::uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

// What a server that is not speaking sealed voixer said, for the person.
std::string plain_answer(const std::string& received) {
  std::string shown;
  for (char c : received) {
    if (c == '\n' || c == '\r' || shown.size() >= 120) break;
    shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return "the server does not speak sealed voixer" + (shown.empty() ? "" : " (it said: " + shown + ")");
}

}  // namespace

// ---- records ----------------------------------------------------------------

void SealedRecords::start_push(const std::uint8_t key[32], std::uint8_t header[kStreamHeaderBytes]) {
  crypto_secretstream_xchacha20poly1305_init_push(&m_push, header, key);
}

bool SealedRecords::start_pull(const std::uint8_t key[32],
                               const std::uint8_t header[kStreamHeaderBytes]) {
  return crypto_secretstream_xchacha20poly1305_init_pull(&m_pull, header, key) == 0;
}

void SealedRecords::seal(std::string_view plain, std::string& out) {
  while (!plain.empty()) {
    std::size_t n = std::min(plain.size(), kMaxRecordPlain);
    std::size_t sealed = n + kAbytes;
    std::size_t at = out.size();
    out.resize(at + 2 + sealed);
    auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + at);
    dst[0] = static_cast<std::uint8_t>(sealed >> 8);
    dst[1] = static_cast<std::uint8_t>(sealed & 0xff);
    crypto_secretstream_xchacha20poly1305_push(
        &m_push, dst + 2, nullptr, reinterpret_cast<const std::uint8_t*>(plain.data()), n,
        nullptr, 0, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    plain.remove_prefix(n);
  }
}

bool SealedRecords::open(std::span<const std::uint8_t> bytes, std::string& plain,
                         std::string& error) {
  m_in.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t at = 0;
  while (m_in.size() - at >= 2) {
    const std::uint8_t* p = bytes_of(m_in) + at;
    std::size_t sealed = (std::size_t{p[0]} << 8) | p[1];
    if (sealed <= kAbytes || sealed > kMaxRecordPlain + kAbytes) {
      error = "a sealed record of impossible length " + std::to_string(sealed);
      return false;
    }
    if (m_in.size() - at - 2 < sealed) break;
    std::size_t start = plain.size();
    plain.resize(start + sealed - kAbytes);
    unsigned long long n = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &m_pull, reinterpret_cast<std::uint8_t*>(plain.data() + start), &n, &tag, p + 2,
            sealed, nullptr, 0) != 0) {
      plain.resize(start);
      error = "a sealed record did not open (tampered, replayed, reordered or cut)";
      return false;
    }
    plain.resize(start + n);
    at += 2 + sealed;
  }
  m_in.erase(0, at);
  return true;
}

// ---- server side ------------------------------------------------------------

SealedServerSide::SealedServerSide(const Identity& identity) : m_identity(identity) {}

bool SealedServerSide::receive(std::span<const std::uint8_t> bytes, std::string& plain,
                               std::string& to_send, std::string& error) {
  if (m_state == State::Established) return m_records.open(bytes, plain, error);
  m_pending.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (m_state == State::AwaitHello) {
    if (m_pending.size() < kClientHelloBytes) return true;
    if (std::memcmp(m_pending.data(), kClientMagic.data(), kClientMagic.size()) != 0) {
      error = "not a sealed voixer hello";
      return false;
    }
    const std::uint8_t* client_eph = bytes_of(m_pending) + 4;
    std::array<std::uint8_t, 32> eph_public{}, eph_secret{}, tx{};
    crypto_kx_keypair(eph_public.data(), eph_secret.data());
    if (crypto_kx_server_session_keys(m_rx.data(), tx.data(), eph_public.data(),
                                      eph_secret.data(), client_eph) != 0) {
      error = "the client's key is not acceptable";
      return false;
    }
    std::string t = transcript(client_eph, eph_public.data());
    std::array<std::uint8_t, 64> signature{};
    crypto_sign_detached(signature.data(), nullptr, bytes_of(t), t.size(),
                         m_identity.secret_key.data());
    std::array<std::uint8_t, kStreamHeaderBytes> header{};
    m_records.start_push(tx.data(), header.data());
    sodium_memzero(eph_secret.data(), eph_secret.size());
    sodium_memzero(tx.data(), tx.size());
    auto put = [&](const auto& a) { to_send.append(reinterpret_cast<const char*>(a.data()), a.size()); };
    put(kServerMagic);
    put(m_identity.public_key);
    put(eph_public);
    put(signature);
    put(header);
    m_pending.erase(0, kClientHelloBytes);
    m_state = State::AwaitHeader;
  }
  if (m_pending.size() < kStreamHeaderBytes) return true;
  if (!m_records.start_pull(m_rx.data(), bytes_of(m_pending))) {
    error = "the client's stream header is not acceptable";
    return false;
  }
  sodium_memzero(m_rx.data(), m_rx.size());
  m_state = State::Established;
  std::string rest = m_pending.substr(kStreamHeaderBytes);
  m_pending.clear();
  return m_records.open({bytes_of(rest), rest.size()}, plain, error);
}

// ---- client side ------------------------------------------------------------

SealedClientSide::SealedClientSide() {
  ensure_sodium();
  crypto_kx_keypair(m_public.data(), m_secret.data());
}

SealedClientSide::~SealedClientSide() {
  sodium_memzero(m_secret.data(), m_secret.size());
  sodium_memzero(m_rx.data(), m_rx.size());
  sodium_memzero(m_tx.data(), m_tx.size());
}

std::string SealedClientSide::hello() const {
  std::string out(reinterpret_cast<const char*>(kClientMagic.data()), kClientMagic.size());
  out.append(reinterpret_cast<const char*>(m_public.data()), m_public.size());
  return out;
}

bool SealedClientSide::receive(std::span<const std::uint8_t> bytes, std::string& plain,
                               std::string& error) {
  if (m_established) return m_records.open(bytes, plain, error);
  m_pending.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (m_server_key) return true;  // waiting for accept()
  std::size_t magic_seen = std::min(m_pending.size(), kServerMagic.size());
  if (std::memcmp(m_pending.data(), kServerMagic.data(), magic_seen) != 0) {
    error = plain_answer(m_pending);
    return false;
  }
  if (m_pending.size() < kServerHelloBytes) return true;
  const std::uint8_t* p = bytes_of(m_pending) + 4;
  PublicKey identity{};
  std::memcpy(identity.data(), p, 32);
  const std::uint8_t* server_eph = p + 32;
  const std::uint8_t* signature = p + 64;
  std::string t = transcript(m_public.data(), server_eph);
  if (crypto_sign_verify_detached(signature, bytes_of(t), t.size(), identity.data()) != 0) {
    error = "the server's hello is not signed by the identity it shows";
    return false;
  }
  if (crypto_kx_client_session_keys(m_rx.data(), m_tx.data(), m_public.data(), m_secret.data(),
                                    server_eph) != 0) {
    error = "the server's key is not acceptable";
    return false;
  }
  std::memcpy(m_server_header.data(), p + 128, kStreamHeaderBytes);
  m_pending.erase(0, kServerHelloBytes);
  m_server_key = identity;
  return true;
}

bool SealedClientSide::accept(std::string& to_send, std::string& plain, std::string& error) {
  if (!m_server_key || m_established) return false;
  std::array<std::uint8_t, kStreamHeaderBytes> header{};
  m_records.start_push(m_tx.data(), header.data());
  if (!m_records.start_pull(m_rx.data(), m_server_header.data())) {
    error = "the server's stream header is not acceptable";
    return false;
  }
  to_send.append(reinterpret_cast<const char*>(header.data()), header.size());
  m_established = true;
  std::string rest = std::move(m_pending);
  m_pending.clear();
  return m_records.open({bytes_of(rest), rest.size()}, plain, error);
}

}  // namespace voixer::core
