// What a chat client knows and shows: connection state, conversations
// (channels and private chats) with their lines, members, topics and unread
// counts, the channel list, and the call state (ringing, calling, in call).
// The GUI draws from it and turns clicks into its intents; the protocol
// lines those intents produce are sent by whoever owns the connection.
// No I/O and no clock: times come in as Unix milliseconds.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/protocol.hpp"

namespace voixer::core {

enum class ConnectionPhase {
  Disconnected,  // not connected, not trying
  Connecting,    // TCP connecting or CONNECT sent, no ACCEPT yet
  Connected,     // ACCEPT received
  Reconnecting,  // the connection dropped; retrying with backoff
  Refused,       // NOTACCEPTED / NICKNAMEINUSE: the user must change something
};

struct ChatLine {
  // File: someone shared a file (`file`; `text` is its name).
  enum class Kind { Message, Own, History, Notice, Error, File };
  Kind kind = Kind::Message;
  std::string sender;  // empty for notices
  std::string text;
  std::int64_t unix_ms = 0;
  bool mention = false;  // someone else's line that names me (core/mentions.hpp)
  std::optional<FileShared> file = {};  // Kind::File
};

struct Conversation {
  std::string name;         // "#channel", or the other user's nickname
  bool is_channel = false;
  bool joined = false;      // channels: currently a member
  std::string topic;        // channels
  std::vector<std::string> members;  // channels, in the server's order
  std::deque<ChatLine> lines;        // at most kMaxLines, oldest dropped
  int unread = 0;           // lines arrived while not the active conversation
  int unread_mentions = 0;  // of those, the ones that name me
  // The server has older messages than those shown, from before this time
  // (Unix ms); 0 when there are none. load_older() asks for them. A private
  // conversation starts with kOlderUnknown: a server that keeps history
  // has its earlier messages.
  std::int64_t older_before_unix_ms = 0;
  static constexpr std::int64_t kOlderUnknown = 9'999'999'999'999;
  // Channels: who is in its voice room, with mute/deafen/talking.
  std::vector<RoomMember> voice;
  static constexpr std::size_t kMaxLines = 2000;
};

// The answer to search(): lines of one conversation that hold the words,
// newest first.
struct SearchResults {
  std::string place, words;
  std::vector<ChatLine> lines;
  bool done = false;  // FOUNDEND came
};

struct ChannelListing {
  std::string name;
  std::uint32_t members = 0;
  std::string topic;
};

struct IncomingCall {
  std::string from;  // nickname of the caller (or inviter)
  std::string key;   // my key for that call
  std::int64_t since_unix_ms = 0;
};

// A ban the server reported to me, an operator (BANNED).
struct BanEntry {
  std::string nickname, address, reason;
  std::int64_t until_unix_ms = 0;  // 0: until the server restarts
};

enum class CallPhase { None, Calling, InCall };

struct CallState {
  CallPhase phase = CallPhase::None;
  std::string key;                   // my key
  std::string peer;                  // Calling: who I called
  std::vector<std::string> members;  // InCall: everyone in it, me included
  std::vector<std::string> ringing;  // invited, not answered yet
  std::int64_t started_unix_ms = 0;  // InCall: when it began
  bool echo = false;                 // the mic test
  // What the other members said of themselves (VOICESTATE with my key):
  // muted, deafened, a device lost. Members not listed have none of it.
  std::vector<std::pair<std::string, VoiceFlags>> member_flags;
  VoiceFlags flags_of(std::string_view nickname) const;
};

// What to show beside a member of a room or call: "deafened", "muted",
// "no microphone", "no speakers", joined by ", "; "" for none of them.
// (Talking is shown by its own indicator.)
std::string voice_flags_note(const VoiceFlags& flags);

class ClientModel {
 public:
  explicit ClientModel(std::string nickname = {}, std::string realname = {});

  // ---- events ----------------------------------------------------------
  void on_connecting();
  // One line from the server (without "\n"); broken lines change nothing.
  void apply(std::string_view server_line, std::int64_t now_unix_ms);
  // The same, already parsed (whoever read the line parsed it once).
  void apply(const ServerMessage& message, std::int64_t now_unix_ms);
  // A protocol line the user typed as is (the cli passes lines through):
  // a JOIN or TALK REQUEST in it is expected like one made by join() or
  // call(), so its answer is understood the same way.
  void note_sent(std::string_view client_line);
  // The connection is gone; `will_retry` puts the model in Reconnecting.
  void on_disconnected(const std::string& reason, bool will_retry, std::int64_t now_unix_ms);

  // ---- intents: each returns the protocol lines to send (maybe none) ----
  std::vector<std::string> connect_lines() const;        // CONNECT
  std::vector<std::string> rejoin_lines() const;         // JOIN for channels joined before a drop
  // To the active conversation (channel or private). Adds an Own line, as
  // the server does not echo channel messages to their sender.
  std::vector<std::string> send_text(const std::string& text, std::int64_t now_unix_ms);
  std::vector<std::string> join(const std::string& channel);  // "#" added if missing
  std::vector<std::string> leave(const std::string& channel);
  // Closes a conversation: a joined channel is left (LEAVE) and what it
  // still sends until LEFT is not shown; a private one just goes from the
  // list (the next message from that user opens it again).
  std::vector<std::string> close_conversation(const std::string& name);
  std::vector<std::string> open_private(const std::string& nickname);  // no lines; selects it
  std::vector<std::string> request_list();
  // A channel's older messages (HISTORY #chan: before ...), when there are some.
  std::vector<std::string> load_older(const std::string& channel);
  // Searches the history of a conversation (a channel, or the private
  // messages with a person) for `words`; the results replace the last ones.
  std::vector<std::string> search(const std::string& conversation, const std::string& words);
  const SearchResults& search_results() const { return m_search; }
  void clear_search();
  // Lines the model needs sent to finish what the server began (the next
  // page of the channel list). The owner of the connection sends them.
  std::vector<std::string> take_follow_ups() { return std::exchange(m_follow_ups, {}); }
  std::vector<std::string> set_topic(const std::string& channel, const std::string& topic);
  std::vector<std::string> call(const std::string& nickname);  // "*echo" for the mic test
  std::vector<std::string> accept_call();
  std::vector<std::string> deny_call();
  std::vector<std::string> hang_up();
  std::vector<std::string> invite(const std::string& nickname);
  std::vector<std::string> set_nickname(const std::string& nickname);  // after a refusal
  // Voice rooms: join a channel's room (leaving a call or another room),
  // leave it, and tell the room how I am (mute, deafen, talking).
  std::vector<std::string> join_voice(const std::string& channel);
  std::vector<std::string> leave_voice();
  std::vector<std::string> set_voice_flags(VoiceFlags flags);

  void select(const std::string& name);  // make a conversation active; clears its unread
  // The server password sent with CONNECT (servers started with --password).
  void set_server_password(std::string password) { m_password = std::move(password); }
  // OPER with the operator password; OPERATOR makes is_operator() true.
  std::vector<std::string> become_operator(const std::string& password);
  std::vector<std::string> kick(const std::string& nickname, const std::string& reason);
  // Operators: keep someone out for `minutes` (0: until the server restarts).
  std::vector<std::string> ban(const std::string& nickname, std::uint32_t minutes,
                               const std::string& reason);
  std::vector<std::string> unban(const std::string& nickname_or_address);
  std::vector<std::string> request_bans();  // BANS: the list is sent again
  bool is_operator() const { return m_operator; }
  const std::vector<BanEntry>& bans() const { return m_bans; }

  // ---- state ---------------------------------------------------------
  ConnectionPhase phase() const { return m_phase; }
  const std::string& status_text() const { return m_status; }  // last refusal/error, for the UI
  const std::string& nickname() const { return m_nickname; }
  const std::string& server_name() const { return m_server_name; }
  const std::vector<Conversation>& conversations() const { return m_conversations; }
  const Conversation* active() const;
  const Conversation* find(const std::string& name) const;
  const std::vector<ChannelListing>& channel_list() const { return m_listing; }
  const std::optional<IncomingCall>& incoming() const { return m_incoming; }
  const CallState& call_state() const { return m_call; }
  // The channel whose voice room I am in ("" when none), and my key for it.
  const std::string& voice_room() const { return m_room; }
  const std::string& voice_room_key() const { return m_room_key; }
  // Channels joined now, in joining order.
  const std::vector<std::string>& joined_channels() const { return m_join_order; }
  // Where plain text goes: the active conversation when it is a joined
  // channel, else the channel joined last, else "" (none).
  std::string current_channel() const;
  // A file shared in a conversation I see, by its id; nullptr if none.
  const FileShared* find_file(const std::string& id) const;
  // Users of the active channel who are in a call with me.
  bool in_my_call(const std::string& nickname) const;
  // Counts the live lines that want the user's attention: a message naming
  // me, or any private message to me (not replayed history). A face that
  // sees it grow while in the background flashes the taskbar.
  std::uint64_t attention_count() const { return m_attention; }
  // The last of those lines, for a desktop notification.
  struct Attention {
    std::string conversation, sender, text;
    bool private_message = false;
  };
  const Attention& last_attention() const { return m_last_attention; }
  // Changes every time anything above changes (the UI redraws on change).
  std::uint64_t version() const { return m_version; }

 private:
  struct Applier;  // handles each kind of server line (client_model.cpp)

  Conversation& conversation(const std::string& name, bool is_channel);
  void add_line(Conversation& c, ChatLine line);
  void changed() { ++m_version; }
  Conversation* find_mutable(const std::string& name);
  Conversation* active_mutable();
  // Makes `c` the active conversation and clears its unread count.
  void make_active(Conversation& c);
  // A Notice / Error line in the active conversation (dropped if none).
  void notice(std::string text, std::int64_t now_unix_ms);
  void error_line(std::string text, std::int64_t now_unix_ms);
  // The call I am in (or placing) is over: back to CallPhase::None.
  void end_call(std::string why, std::int64_t now_unix_ms);
  void remove_ring(const std::string& key);
  // True when a HISTORY line repeats a line already in `c` (a rejoin).
  bool is_replayed(Conversation& c, const ChatLine& history);

  std::string m_nickname, m_realname, m_server_name, m_status;
  ConnectionPhase m_phase = ConnectionPhase::Disconnected;
  std::vector<Conversation> m_conversations;
  std::string m_active;
  std::vector<ChannelListing> m_listing, m_listing_building;
  SearchResults m_search;
  std::optional<IncomingCall> m_incoming;
  CallState m_call;
  std::vector<std::string> m_joined_before_drop;
  std::string m_room, m_room_key;    // the voice room I am in
  std::string m_room_before_drop;    // rejoined after a reconnect
  std::uint64_t m_version = 0;
  std::uint64_t m_attention = 0;
  Attention m_last_attention;
  std::vector<std::string> m_closing;  // channels closed, until LEFT (folded)
  Conversation m_discard;              // where their lines go meanwhile
  std::string m_password;
  bool m_operator = false;
  std::vector<BanEntry> m_bans;
  std::vector<std::string> m_follow_ups;
  // USERLISTMORE parts received, by folded channel, until USERLIST ends them.
  std::vector<std::pair<std::string, std::vector<std::string>>> m_user_list_parts;
  // Older history being loaded: the folded channel and where its next line goes.
  std::string m_older_channel;
  bool m_no_private_history = false;  // the server said it keeps none
  std::size_t m_older_at = 0;

  std::vector<std::string> m_join_order;     // channels joined now, in joining order
  std::vector<std::string> m_pending_joins;  // folded names asked for with join()
  std::vector<std::string> m_pending_calls;  // folded nicknames called, no offer seen yet
  std::vector<IncomingCall> m_rings;         // every call ringing for me, newest last
  std::string m_hangup_sent;                 // the key a HANGUP already went out for
  // The channel whose JOIN answer is arriving, and which of its lines from
  // before that JOIN a HISTORY line has already matched.
  std::string m_replay_channel;
  std::deque<bool> m_replay_claimed;
  std::int64_t m_now = 0;  // the latest time passed in: intents take none
};

}  // namespace voixer::core
