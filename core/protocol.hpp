// The text protocol: one codec for both directions.
//
// Every line is  VERB [arg ...][: text]  and ends with "\n" ("\r\n" accepted).
// Messages a client sends are ClientMessage, messages a server sends are
// ServerMessage; the same verb can have different shapes in each direction
// (MSG, TALK, TOPIC), so each direction has its own parse function.
// format() produces the line without its newline; parse() accepts it back,
// so parse(format(m)) == m for every message. docs/protocol.md describes
// every message with examples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace voixer::core {

inline constexpr std::size_t kMaxLineBytes = 4096;
// The most lines one HISTORY request may ask for (a page also stops at
// 16 KiB, kReplayBytes).
inline constexpr int kMaxHistoryCount = 1000;

// ---- messages a client sends -------------------------------------------

struct Connect {  // CONNECT: "John87" "John Wilson" 1.0.0 ["server password"]
  std::string nickname, realname, version;
  std::string password = {};  // extension: only for servers started with --password
  bool operator==(const Connect&) const = default;
};
struct Ping {  // PING: 42313812731   (both directions)
  std::string token;
  bool operator==(const Ping&) const = default;
};
struct Pong {  // PONG: 42313812731   (both directions)
  std::string token;
  bool operator==(const Pong&) const = default;
};
struct Join {  // JOIN: #chan
  std::string channel;
  bool operator==(const Join&) const = default;
};
struct Leave {  // LEAVE: #chan
  std::string channel;
  bool operator==(const Leave&) const = default;
};
struct List {  // LIST   |   LIST: #after   (the page of channels after that one)
  std::string after = {};
  bool operator==(const List&) const = default;
};
struct HistoryRequest {  // HISTORY #chan: before 1764060000000 [50]   (older messages)
  std::string channel;
  std::int64_t before_unix_ms = 0;
  int count = 0;  // at most this many; 0: as many as fit a page
  bool operator==(const HistoryRequest&) const = default;
};
struct Search {  // SEARCH #chan: words   (or SEARCH nick: words, private messages)
  std::string place;
  std::string words;
  bool operator==(const Search&) const = default;
};
struct SetTopic {  // TOPIC #chan: text
  std::string channel, text;
  bool operator==(const SetTopic&) const = default;
};
struct SendMsg {  // MSG #chan: text   |   MSG John83: text
  std::string recipient, text;
  bool operator==(const SendMsg&) const = default;
};
struct TalkRequest {  // TALK John83: REQUEST
  std::string nickname;
  bool operator==(const TalkRequest&) const = default;
};
enum class TalkVerb { Accept, Deny, Hangup };
struct TalkAnswer {  // TALK <key>: ACCEPT | DENY | HANGUP
  std::string key;
  TalkVerb verb;
  bool operator==(const TalkAnswer&) const = default;
};
struct TalkInvite {  // TALK <key> <nickname>: INVITE
  std::string key, nickname;
  bool operator==(const TalkInvite&) const = default;
};
struct TalkSession {  // TALKSESSION: <key>
  std::string key;
  bool operator==(const TalkSession&) const = default;
};
struct TalkProof {  // TALKPROOF: <key id> <proof>   (sealed voice binding, core/voice_seal.hpp)
  std::string key_id, proof;
  bool operator==(const TalkProof&) const = default;
};
struct Oper {  // OPER: <operator password>
  std::string password;
  bool operator==(const Oper&) const = default;
};
struct Kick {  // KICK <nickname>: reason
  std::string nickname, reason;
  bool operator==(const Kick&) const = default;
};
struct BanUser {  // BAN <nickname> <minutes>[: reason]   (operators; 0 minutes: until restart)
  std::string nickname;
  std::uint32_t minutes = 0;
  std::string reason;
  bool operator==(const BanUser&) const = default;
};
struct Unban {  // UNBAN: <nickname or address>   (operators)
  std::string target;
  bool operator==(const Unban&) const = default;
};
struct ListBans {  // BANS   (operators)
  bool operator==(const ListBans&) const = default;
};
struct Disconnect {  // DISCONNECT
  bool operator==(const Disconnect&) const = default;
};
// Files (docs/protocol.md, "Files"): the bytes go over a file stream of
// their own, never over these lines; these ask for it and announce it.
struct FileUpload {  // FILEUPLOAD <#chan or nickname> <size> <blake2b hex>: name
  std::string target;
  std::uint64_t size = 0;
  std::string hash, name;
  bool operator==(const FileUpload&) const = default;
};
struct FileGet {  // FILEGET: <file id>
  std::string id;
  bool operator==(const FileGet&) const = default;
};
// Voice rooms (docs/protocol.md, "Voice rooms"): every channel has one.
struct VoiceJoin {  // VOICEJOIN: #chan
  std::string channel;
  bool operator==(const VoiceJoin&) const = default;
};
struct VoiceLeave {  // VOICELEAVE
  bool operator==(const VoiceLeave&) const = default;
};
// How a member of a voice room or call is: any of these, in this order.
// no-microphone / no-speakers: that device is gone and being retried.
struct VoiceFlags {
  bool muted = false, deafened = false, talking = false;
  bool no_microphone = false, no_speakers = false;
  bool operator==(const VoiceFlags&) const = default;
};
struct SetVoiceState {  // VOICESTATE: [muted] [deafened] [talking] [no-microphone] [no-speakers]
  VoiceFlags flags;
  bool operator==(const SetVoiceState&) const = default;
};

using ClientMessage =
    std::variant<Connect, Ping, Pong, Join, Leave, List, HistoryRequest, Search, SetTopic, SendMsg,
                 TalkRequest, TalkAnswer, TalkInvite, TalkSession, TalkProof, Oper, Kick, BanUser,
                 Unban, ListBans, Disconnect, FileUpload, FileGet, VoiceJoin, VoiceLeave,
                 SetVoiceState>;

// ---- messages a server sends -------------------------------------------

struct Accept {  // ACCEPT: hostname
  std::string hostname;
  bool operator==(const Accept&) const = default;
};
struct NotAccepted {  // NOTACCEPTED: message
  std::string message;
  bool operator==(const NotAccepted&) const = default;
};
struct NicknameInUse {  // NICKNAMEINUSE: message
  std::string message;
  bool operator==(const NicknameInUse&) const = default;
};
struct Joined {  // JOINED: #chan
  std::string channel;
  bool operator==(const Joined&) const = default;
};
struct Left {  // LEFT: #chan
  std::string channel;
  bool operator==(const Left&) const = default;
};
struct UserList {  // USERLIST #chan: Will, John83, Mike
  std::string channel;
  std::vector<std::string> nicknames;
  bool operator==(const UserList&) const = default;
};
struct UserListMore {  // USERLISTMORE #chan: Will, John83   (a part; USERLIST ends the list)
  std::string channel;
  std::vector<std::string> nicknames;
  bool operator==(const UserListMore&) const = default;
};
struct UserJoin {  // USERJOIN #chan: Thomas12
  std::string channel, nickname;
  bool operator==(const UserJoin&) const = default;
};
struct UserLeave {  // USERLEAVE #chan: Thomas12
  std::string channel, nickname;
  bool operator==(const UserLeave&) const = default;
};
struct DeliverMsg {  // MSG Thomas12 #chan: text   |   MSG Thomas12 John83: text
  std::string sender, recipient, text;
  bool operator==(const DeliverMsg&) const = default;
};
struct History {  // HISTORY Thomas12 #chan 1764060000000: text
  std::string sender, channel;
  std::int64_t unix_ms = 0;
  std::string text;
  bool operator==(const History&) const = default;
};
struct Found {  // FOUND Thomas12 #chan 1764060000000: text   (a SEARCH result)
  std::string sender, channel;
  std::int64_t unix_ms = 0;
  std::string text;
  bool operator==(const Found&) const = default;
};
struct FoundEnd {  // FOUNDEND #chan: 3   (after the results, newest first)
  std::string place;
  std::uint32_t count = 0;
  bool operator==(const FoundEnd&) const = default;
};
struct Topic {  // TOPIC Thomas12 #chan: text
  std::string setter, channel, text;
  bool operator==(const Topic&) const = default;
};
struct ChannelInfo {  // CHANNEL #chan 3: topic
  std::string channel;
  std::uint32_t members = 0;
  std::string topic;
  bool operator==(const ChannelInfo&) const = default;
};
struct ListEnd {  // LISTEND
  bool operator==(const ListEnd&) const = default;
};
struct ListMore {  // LISTMORE: #last   (more channels: ask LIST: #last)
  std::string after;
  bool operator==(const ListMore&) const = default;
};
struct HistoryMore {  // HISTORYMORE #chan: 1764060000000   (older ones: HISTORY #chan: before ...)
  std::string channel;
  std::int64_t before_unix_ms = 0;  // 0: nothing older
  bool operator==(const HistoryMore&) const = default;
};
struct TalkOffer {  // TALK John83 <key>: REQUEST
  std::string nickname, key;
  bool operator==(const TalkOffer&) const = default;
};
enum class TalkStatus { Accepted, Denied, Timeout, Ended };
struct TalkState {  // TALK <key>: ACCEPTED | DENIED | TIMEOUT | ENDED
  std::string key;
  TalkStatus status;
  bool operator==(const TalkState&) const = default;
};
enum class TalkEventKind { Invited, Left, Denied, Timeout };
struct TalkEvent {  // TALK <key> <nickname>: INVITED | LEFT | DENIED | TIMEOUT
  std::string key, nickname;
  TalkEventKind kind;
  bool operator==(const TalkEvent&) const = default;
};
struct TalkMembers {  // TALKMEMBERS <key>: alice, bob, carol
  std::string key;
  std::vector<std::string> nicknames;
  bool operator==(const TalkMembers&) const = default;
};
struct SessionAccepted {  // SESSIONACCEPTED: <key>   (voice connection)
  std::string key;
  bool operator==(const SessionAccepted&) const = default;
};
struct VoiceChallenge {  // VOICECHALLENGE: <32 hex digits>   (voice connection)
  std::string challenge;
  bool operator==(const VoiceChallenge&) const = default;
};
struct Operator {  // OPERATOR: message   (OPER accepted)
  std::string message;
  bool operator==(const Operator&) const = default;
};
struct SessionError {  // SESSIONERROR: message
  std::string message;
  bool operator==(const SessionError&) const = default;
};
struct Banned {  // BANNED <nickname> <until unix ms, 0: until restart>: <address or -> reason
  std::string nickname;
  std::int64_t until_unix_ms = 0;
  std::string address;  // empty is written "-"
  std::string reason;
  bool operator==(const Banned&) const = default;
};
struct Unbanned {  // UNBANNED <nickname>: <address or ->
  std::string nickname, address;
  bool operator==(const Unbanned&) const = default;
};
struct BansEnd {  // BANSEND   (after the BANNED lines that answer BANS)
  bool operator==(const BansEnd&) const = default;
};
// What a file grant allows on the file stream: sending it up or fetching it.
enum class FileDirection { Put, Get };
struct FileGrant {  // FILEGRANT <file id> <token> PUT|GET <size> <hash>: name
  std::string id, token;
  FileDirection direction = FileDirection::Get;
  std::uint64_t size = 0;
  std::string hash, name;
  bool operator==(const FileGrant&) const = default;
};
struct FileShared {  // FILE <from> <#chan or nickname> <unix ms> <file id> <size> <hash>: name
  std::string sender, target;
  std::int64_t unix_ms = 0;
  std::string id;
  std::uint64_t size = 0;
  std::string hash, name;
  bool operator==(const FileShared&) const = default;
};
struct VoiceJoined {  // VOICEJOINED #chan: <my session key for the room>
  std::string channel, key;
  bool operator==(const VoiceJoined&) const = default;
};
struct VoiceLeft {  // VOICELEFT: #chan
  std::string channel;
  bool operator==(const VoiceLeft&) const = default;
};
struct RoomMember {
  std::string nickname;
  VoiceFlags flags;
  bool operator==(const RoomMember&) const = default;
};
// To every member of the channel, whenever the room changes, and on JOIN.
struct VoiceRoom {  // VOICEROOM #chan: alice, bob muted, carol muted deafened
  std::string channel;
  std::vector<RoomMember> members;
  bool operator==(const VoiceRoom&) const = default;
};
// One member's state changed (talking, mute, deafen, a device lost), to the
// channel; in a call, to the other members, with their own call key.
struct VoiceState {  // VOICESTATE #chan alice: muted talking  |  VOICESTATE <key> alice: no-speakers
  std::string channel, nickname;  // channel: the channel, or the receiver's call key
  VoiceFlags flags;
  bool operator==(const VoiceState&) const = default;
};
struct Error {  // ERROR CODE: message
  std::string code, message;
  bool operator==(const Error&) const = default;
};

using ServerMessage =
    std::variant<Accept, NotAccepted, NicknameInUse, Ping, Pong, Joined, Left,
                 UserList, UserListMore, UserJoin, UserLeave, DeliverMsg, History,
                 HistoryMore, Found, FoundEnd, Topic, ChannelInfo, ListEnd, ListMore, TalkOffer, TalkState, TalkEvent,
                 TalkMembers, SessionAccepted, VoiceChallenge, Operator, SessionError, Banned,
                 Unbanned, BansEnd, FileGrant, FileShared, VoiceJoined, VoiceLeft, VoiceRoom,
                 VoiceState, Error>;

// ---- codec ---------------------------------------------------------------

// Why a line could not be parsed: `code` is the ERROR code the server sends
// back (UNKNOWNCOMMAND or MALFORMED), `message` a sentence for a person.
struct ParseError {
  std::string code, message;
  bool operator==(const ParseError&) const = default;
};

template <class T>
using Parsed = std::variant<T, ParseError>;

// Parse one line (without "\n"; a trailing "\r" is ignored). Verbs are
// case-insensitive. Never throws.
Parsed<ClientMessage> parse_client(std::string_view line);
Parsed<ServerMessage> parse_server(std::string_view line);

// Format a message as one line, without the newline.
std::string format(const ClientMessage& m);
std::string format(const ServerMessage& m);

// Error codes used in ERROR replies.
// ERROR NOSUCHCHANNEL's text when private history is asked of a server
// that keeps none (clients then stop offering it).
inline constexpr std::string_view kNoPrivateHistory = "This server keeps no private messages";
inline constexpr std::string_view kNoSearch = "This server keeps no history to search";

namespace error_code {
inline constexpr std::string_view kUnknownCommand = "UNKNOWNCOMMAND";
inline constexpr std::string_view kMalformed = "MALFORMED";
inline constexpr std::string_view kLineTooLong = "LINETOOLONG";
inline constexpr std::string_view kBadName = "BADNAME";
inline constexpr std::string_view kBadText = "BADTEXT";
inline constexpr std::string_view kNoSuchUser = "NOSUCHUSER";
inline constexpr std::string_view kNoSuchChannel = "NOSUCHCHANNEL";
inline constexpr std::string_view kNotMember = "NOTMEMBER";
inline constexpr std::string_view kNoSuchSession = "NOSUCHSESSION";
inline constexpr std::string_view kNotAllowed = "NOTALLOWED";
inline constexpr std::string_view kAlreadyConnected = "ALREADYCONNECTED";
inline constexpr std::string_view kFlood = "FLOOD";
inline constexpr std::string_view kTimeout = "TIMEOUT";
inline constexpr std::string_view kServerFull = "SERVERFULL";
inline constexpr std::string_view kShutdown = "SHUTDOWN";
inline constexpr std::string_view kKicked = "KICKED";
inline constexpr std::string_view kBanned = "BANNED";
inline constexpr std::string_view kNoSuchBan = "NOSUCHBAN";
inline constexpr std::string_view kRateLimited = "RATELIMITED";
inline constexpr std::string_view kEncryptionRequired = "ENCRYPTIONREQUIRED";
inline constexpr std::string_view kVoiceMoved = "VOICEMOVED";
inline constexpr std::string_view kFileRefused = "FILEREFUSED";
inline constexpr std::string_view kNoSuchFile = "NOSUCHFILE";
}  // namespace error_code

}  // namespace voixer::core
