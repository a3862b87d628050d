#pragma once
// Every fixed capacity of the agent, with the reason for its value. Buffers are sized from these
// and nothing on the message path grows beyond them.
#include <cstddef>
#include <cstdint>

#include "protocol/limits.hpp"

namespace door::agent {

// Longest topic accepted or sent (protocol/limits.hpp, shared with the scheduler).
using protocol::kMaxTopicLength;

// Method payloads, and what an inbox slot holds. A method payload over this is answered with 413,
// never truncated. A door's desired keys are short, but a twin the hub accepts can be larger: a
// twin message over this stays in the MQTT client's own copy, which the inbox lends (see below).
constexpr std::size_t kMaxPayloadBytes = 16 * 1024;

// IoT Hub's twin limits: desired and reported properties up to 32 KB each. Every twin the hub
// accepts is taken: a desired PATCH or document up to 32 KiB and room for its "$version", a twin
// GET answer (both parts and its envelope, about 66 KB at most) up to 68 KiB. A larger one is over
// the hub's limits: it is logged and the agent keeps the desired properties it has. Messages over
// kMaxPayloadBytes stay in the MQTT client's copy until handled, so these limits reserve no memory
// of their own; the desired part of a GET answer is copied out (kMaxDesiredMessageBytes) for the
// twin, which need not parse the reported part.
constexpr std::size_t kMaxDesiredMessageBytes = 32 * 1024 + 256;
constexpr std::size_t kMaxTwinResponseBytes = 68 * 1024;

// Messages received but not yet handled by the loop. The loop handles a message in microseconds;
// 16 slots absorb a burst of 16 calls while the loop is busy elsewhere (a config write).
constexpr std::size_t kInboxSlots = 16;
// Messages Paho has read while every slot is taken. Each stays in Paho's own copy (48 bytes here
// for its pointers) until the loop frees a slot: refused, Paho would offer it again only when its
// next packet arrived, a keep-alive away (20 ignored messages and a call once kept the call
// unanswered for 27 s). 1024 is far more than a service sends at once; past it Paho keeps them.
constexpr std::size_t kInboxKeptMessages = 1024;
// Publishes the MQTT client queues before its socket takes them (Paho's maxBufferedMessages,
// default 100): enough to answer every message the inbox holds, plus the agent's own reports and
// events. Paho allocates each as it is queued; past the limit a publish fails and is logged.
constexpr std::size_t kMaxQueuedPublishes = kInboxSlots + kInboxKeptMessages + 64;

// Connection events (connected, lost, subscribed, TLS errors) waiting for the loop.
constexpr std::size_t kSessionEventSlots = 16;
// Text carried with a connection event (a TLS or broker error message).
constexpr std::size_t kEventDetailLength = 200;

// Responses and reports the agent publishes.
constexpr std::size_t kOutboxPayloadBytes = 4 * 1024;

// A door event on the telemetry topic: {"seq":…,"event":…,"at":…}, an alarm's name, and the
// door's state: a handful of short words, five timestamps (the hold's end, three alarms' starts,
// the event's) and at most two reasons of up to 160 bytes (a fault's, and why the state is not
// saved), under 800 bytes. It fits a journal slot with the slot's header.
constexpr std::size_t kMaxDoorEventBytes = 928;

// The event journal (beside the state file): a header and one fixed slot per event, so an event
// is one write of one slot and a torn slot is found by its checksum. A slot is a quarter of a
// flash page: a full journal of the default 10,000 events takes 10 MiB on the card and no memory.
constexpr std::size_t kJournalSlotBytes = 1024;
constexpr std::size_t kMinJournalEvents = 100;
constexpr std::size_t kMaxJournalEvents = 100000;
// Events sent and not yet acknowledged: the replay after an outage sends this many ahead and the
// next one as each is acknowledged, so a method's answer never queues behind more than this many.
constexpr std::size_t kEventsInFlight = 2;
// The replay's pace: one event every this many ms at most (500 a second), so a replay leaves the
// board's CPU, the link and the server room for method calls, which are answered as promptly as
// when idle (bench/event_journal). 10,000 events take 20 s.
constexpr int64_t kEventPaceMs = 2;
// Acknowledgements of events waiting for the loop (Paho's thread hands them over): more than the
// events in flight, so none is dropped even when a reconnect leaves late ones behind.
constexpr std::size_t kEventAckSlots = 4 * kEventsInFlight;
// The door's state alone, as the reported properties carry it: the state part of a door event, so
// it fits wherever the event does.
constexpr std::size_t kMaxDoorStateBytes = kMaxDoorEventBytes;
// The broker dialect's retained status document: {"online":…,"connectedAt":…,"version":…}.
constexpr std::size_t kMaxStatusDocumentBytes = 256;
// Request ids the agent makes for its own twin requests: a decimal 64-bit counter (20 digits).
constexpr std::size_t kMaxOwnRequestIdLength = 23;
// Why a desired value was refused or not saved ("ad" of an acknowledgement): one short sentence
// naming the key's range or the failed save.
constexpr std::size_t kMaxAckDescriptionLength = 159;

// Topics the agent subscribes to on each connect: IoT Hub allows 5 per connection; the Azure
// dialect needs 3 (methods, twin answers, desired patches), the broker dialect 2.
constexpr std::size_t kMaxSubscriptions = 5;

// The loopback hop's buffer in each direction (MQTT from the client to TLS, and back): one TLS
// record's largest payload, the most mbedtls takes or gives in one call, so a full buffer is one
// call and one system call.
constexpr std::size_t kHopBufferBytes = 16 * 1024;

// "SharedAccessSignature sr=<url-encoded host/devices/id>&sig=<url-encoded base64>&se=<digits>":
// host and id encode to at most 3 x 380 bytes; 2 KiB leaves room for any valid hub host name.
constexpr std::size_t kMaxSasTokenLength = 2048;

// cJSON parses method payloads into this arena (cJSON_InitHooks) instead of the heap. A node takes
// about 64 bytes; a payload too complex to fit is refused with 400.
constexpr std::size_t kJsonArenaBytes = 64 * 1024;

// The twin parses a desired change and the applied document into its own arena. A node takes
// 64 bytes, a member name and a number's text 16 or more: the largest desired message IoT Hub
// accepts (kMaxDesiredMessageBytes) made of the shortest members ({"0":0,"1":0,...}, about 4,000
// of them) fits with the applied document
// (TwinTest.AThousandKeyDocumentKeepsWhatFitsAndRefusesTheRest). A change even more complex (16,000
// numbers in one array) is refused with a logged reason. Pages the arena never touched cost no
// memory.
constexpr std::size_t kTwinJsonArenaBytes = 512 * 1024;

// Outputs of the door core waiting for the runtime (method answers, door events). The runtime
// drains the outbox after each message and each batch of timers and descriptors; one message or
// batch posts an answer and at most a couple of door events (unlocked, then opened), so 8 slots
// never fill. A post to a full outbox fails and is logged.
constexpr std::size_t kOutboxSlots = 8;

// The applied desired properties, as JSON text (persisted in the state file). Known keys are a
// handful of numbers and words; other keys are kept within the limits below, so the whole set stays
// under 32 keys x (64 + 256) bytes, about 10 KiB: 16 KiB is never exceeded.
constexpr std::size_t kMaxDesiredBytes = 16 * 1024;
constexpr std::size_t kMaxDesiredKeys = 32;
// Acknowledgements the agent keeps: every kept key plus room for refusals of others. Refusals past
// this are logged, not acknowledged.
constexpr std::size_t kMaxDesiredAcks = kMaxDesiredKeys + 16;
constexpr std::size_t kMaxDesiredKeyLength = 64;
constexpr std::size_t kMaxDesiredValueBytes = 256;  // one key's value, serialized
constexpr int kMaxDesiredDepth = 4;                 // nesting of one key's value
// The reported document: an acknowledgement per key, the door state, the agent's version.
constexpr std::size_t kMaxReportedBytes = 24 * 1024;

// Largest config file accepted at start.
constexpr std::size_t kMaxConfigFileBytes = 64 * 1024;

}  // namespace door::agent
