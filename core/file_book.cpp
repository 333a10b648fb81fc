#include "core/file_book.hpp"

#include "core/file_names.hpp"

namespace voixer::core {

std::variant<const FileRecord*, std::string> FileBook::offer(FileRecord offer,
                                                              std::int64_t now_ms,
                                                              const std::string& new_id) {
  if (!enabled()) return std::string("This server does not keep files");
  for (auto& [id, f] : m_files) {
    if (f.uploader_folded == offer.uploader_folded && f.hash == offer.hash &&
        f.size == offer.size && f.channel_folded == offer.channel_folded &&
        f.recipient_folded == offer.recipient_folded) {
      if (!f.stored) f.last_granted_ms = now_ms;
      return &f;
    }
  }
  std::uint64_t room = m_quota - m_used;
  if (offer.size > room) {
    return offer.name + " is " + human_size(offer.size) + "; the server has room for " +
           human_size(room) + " more (of " + human_size(m_quota) + ", --files-quota)";
  }
  offer.id = new_id;
  offer.stored = false;
  offer.last_granted_ms = now_ms;
  m_used += offer.size;
  auto [it, inserted] = m_files.emplace(new_id, std::move(offer));
  return &it->second;
}

const FileRecord* FileBook::find(const std::string& id) const {
  auto it = m_files.find(id);
  return it == m_files.end() ? nullptr : &it->second;
}

const FileRecord* FileBook::complete(const std::string& id, std::int64_t unix_ms) {
  auto it = m_files.find(id);
  if (it == m_files.end() || it->second.stored) return nullptr;
  it->second.stored = true;
  it->second.stored_unix_ms = unix_ms;
  return &it->second;
}

void FileBook::discard(const std::string& id) {
  auto it = m_files.find(id);
  if (it == m_files.end()) return;
  m_used -= it->second.size;
  m_files.erase(it);
}

std::vector<std::string> FileBook::expire(std::int64_t now_ms) {
  std::vector<std::string> gone;
  for (auto it = m_files.begin(); it != m_files.end();) {
    if (!it->second.stored && now_ms - it->second.last_granted_ms >= kResumeWindow) {
      gone.push_back(it->first);
      m_used -= it->second.size;
      it = m_files.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

void FileBook::touch(const std::string& id, std::int64_t now_ms) {
  auto it = m_files.find(id);
  if (it != m_files.end()) it->second.last_granted_ms = now_ms;
}

}  // namespace voixer::core
