#include "core/identity.hpp"

#include <sodium.h>

#include <stdexcept>

namespace voixer::core {

namespace {

// 256 short, distinct, easily spoken words: one per byte of the hash.
constexpr std::array<std::string_view, 256> kWords = {
"acorn", "actor", "agent", "alarm", "album", "alien", "alley", "amber", "angel", "ankle", 
"apple", "apron", "arena", "arrow", "aspen", "atlas", "attic", "award", "bacon", "badge", 
"bagel", "baker", "bamboo", "banjo", "barn", "basil", "beach", "beard", "beast", "bench", 
"berry", "bison", "blade", "blaze", "bloom", "board", "boat", "bonus", "boot", "brain", 
"brass", "bread", "brick", "bridge", "broom", "brush", "bucket", "buddy", "bugle", "cabin", 
"cable", "cactus", "camel", "canal", "candy", "canoe", "canvas", "cargo", "carpet", "castle", 
"cedar", "chalk", "chess", "chief", "chili", "cider", "circus", "clock", "cloud", "clover", 
"coach", "cobra", "cocoa", "comet", "coral", "cotton", "couch", "cowboy", "crane", "crayon", 
"creek", "crown", "cube", "curry", "daisy", "dance", "delta", "denim", "desert", "diary", 
"dock", "dolphin", "donut", "dragon", "drum", "eagle", "earth", "easel", "echo", "elbow", 
"elder", "ember", "engine", "falcon", "fang", "feast", "fern", "ferry", "fiddle", "field", 
"flame", "flute", "forest", "fossil", "fox", "frost", "fudge", "galaxy", "garden", "garlic", 
"gecko", "geyser", "ghost", "giant", "ginger", "glacier", "globe", "glove", "goat", "gold", 
"gorilla", "grape", "gravel", "guitar", "hammer", "harbor", "harp", "hawk", "hazel", "helmet", 
"honey", "hotel", "husky", "igloo", "island", "ivory", "jacket", "jaguar", "jelly", "jewel", 
"jungle", "kayak", "kiwi", "koala", "ladder", "lagoon", "lamp", "lantern", "lemon", "lily", 
"lion", "lizard", "llama", "lobster", "lotus", "magnet", "mango", "maple", "marble", "meadow", 
"melon", "meteor", "mint", "mirror", "mitten", "monkey", "moose", "mosaic", "motor", "muffin", 
"needle", "nickel", "noodle", "nutmeg", "oasis", "ocean", "olive", "onion", "opal", "orbit", 
"orchid", "otter", "owl", "paddle", "panda", "panther", "parrot", "peach", "pearl", "pebble", 
"pelican", "pepper", "piano", "pickle", "pilot", "pine", "pirate", "planet", "plum", "pony", 
"poppy", "potato", "prism", "puffin", "pumpkin", "puzzle", "quartz", "quill", "rabbit", "radar", 
"radish", "raven", "reef", "rhino", "ribbon", "river", "robin", "rocket", "ruby", "saddle", 
"salmon", "scarf", "shark", "shell", "silver", "sketch", "sloth", "snail", "spider", "sponge", 
"squid", "star", "stone", "sugar", "summit", "sunset", "swan", "tango", "tiger", "timber", 
"toast", "tomato", "topaz", "torch", "tulip", "turtle", };

constexpr int kFingerprintWords = 5;

std::string to_hex(const std::uint8_t* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t n) {
  if (hex.size() != n * 2) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return false;
  std::size_t written = 0;
  return sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &written, nullptr) == 0 &&
         written == n;
}

}  // namespace

void ensure_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

Identity Identity::generate() {
  ensure_sodium();
  Identity id;
  crypto_sign_keypair(id.public_key.data(), id.secret_key.data());
  return id;
}

std::string Identity::to_text() const { return to_hex(secret_key.data(), secret_key.size()); }

std::optional<Identity> Identity::from_text(std::string_view text, std::string* error) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  Identity id;
  if (!from_hex(text, id.secret_key.data(), id.secret_key.size())) {
    if (error) *error = "not an identity (expected 128 hex digits)";
    return std::nullopt;
  }
  ensure_sodium();
  crypto_sign_ed25519_sk_to_pk(id.public_key.data(), id.secret_key.data());
  // The secret key carries its public half: check the two belong together.
  std::array<std::uint8_t, 64> again{};
  PublicKey pk{};
  crypto_sign_seed_keypair(pk.data(), again.data(), id.secret_key.data());
  if (again != id.secret_key) {
    if (error) *error = "damaged identity (its two halves do not match)";
    return std::nullopt;
  }
  return id;
}

std::string key_hex(const PublicKey& key) { return to_hex(key.data(), key.size()); }

std::optional<PublicKey> key_from_hex(std::string_view hex) {
  PublicKey key{};
  if (!from_hex(hex, key.data(), key.size())) return std::nullopt;
  return key;
}

std::string fingerprint_words(const PublicKey& key) {
  ensure_sodium();
  std::array<std::uint8_t, 32> hash{};
  crypto_generichash(hash.data(), hash.size(), key.data(), key.size(), nullptr, 0);
  std::string out;
  for (int i = 0; i < kFingerprintWords; ++i) {
    if (i) out += '-';
    out += kWords[hash[static_cast<std::size_t>(i)]];
  }
  return out;
}

}  // namespace voixer::core
