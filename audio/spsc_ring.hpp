// Lock-free single-producer/single-consumer ring buffer: how audio crosses
// between a device callback and the codec thread without locks or allocation
// in the callback. One thread only pushes, one thread only pops.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

namespace voixer::audio {

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing copies items with memcpy");

 public:
  // Allocates storage for `capacity` items; the only allocation the ring ever makes.
  explicit SpscRing(std::size_t capacity)
      : m_capacity(capacity), m_items(std::make_unique<T[]>(capacity)) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer: copies up to n items from data; returns how many fitted.
  std::size_t push(const T* data, std::size_t n) {
    const std::size_t write = m_write.load(std::memory_order_relaxed);
    // acquire: the consumer's reads of the slots it released happen before we overwrite them.
    const std::size_t read = m_read.load(std::memory_order_acquire);
    n = std::min(n, m_capacity - count(write, read));
    if (n == 0) return 0;
    const std::size_t start = index(write);
    const std::size_t first = std::min(n, m_capacity - start);
    std::memcpy(m_items.get() + start, data, first * sizeof(T));
    std::memcpy(m_items.get(), data + first, (n - first) * sizeof(T));
    // release: the copied items are visible before the consumer sees the new count.
    m_write.store(advance(write, n), std::memory_order_release);
    return n;
  }

  // Consumer: copies up to n items into out; returns how many were available.
  std::size_t pop(T* out, std::size_t n) {
    const std::size_t read = m_read.load(std::memory_order_relaxed);
    const std::size_t write = m_write.load(std::memory_order_acquire);
    n = std::min(n, count(write, read));
    if (n == 0) return 0;
    const std::size_t start = index(read);
    const std::size_t first = std::min(n, m_capacity - start);
    std::memcpy(out, m_items.get() + start, first * sizeof(T));
    std::memcpy(out + first, m_items.get(), (n - first) * sizeof(T));
    // release: we are done reading these slots before the producer may reuse them.
    m_read.store(advance(read, n), std::memory_order_release);
    return n;
  }

  // Number of readable items, for the producer or the consumer. Exact from
  // the consumer; from the producer it may already be smaller (the consumer
  // keeps popping). Never above capacity().
  std::size_t size() const {
    const std::size_t read = m_read.load(std::memory_order_acquire);
    const std::size_t write = m_write.load(std::memory_order_acquire);
    return std::min(count(write, read), m_capacity);
  }

  std::size_t capacity() const { return m_capacity; }

  // Consumer: discards everything readable now (e.g. to drop built-up latency).
  void clear_from_consumer() {
    m_read.store(m_write.load(std::memory_order_acquire), std::memory_order_release);
  }

 private:
  // Positions run over [0, 2 * capacity) rather than [0, capacity): full
  // (distance == capacity) and empty (distance == 0) are then told apart
  // without a spare slot, any capacity works (no power of two needed), and
  // nothing overflows however long the ring runs.
  std::size_t count(std::size_t write, std::size_t read) const {
    return write >= read ? write - read : write + 2 * m_capacity - read;
  }
  std::size_t index(std::size_t pos) const { return pos >= m_capacity ? pos - m_capacity : pos; }
  std::size_t advance(std::size_t pos, std::size_t n) const {
    pos += n;
    return pos >= 2 * m_capacity ? pos - 2 * m_capacity : pos;
  }

  const std::size_t m_capacity;
  const std::unique_ptr<T[]> m_items;
  // Separate cache lines so producer and consumer do not invalidate each other's.
  alignas(64) std::atomic<std::size_t> m_write{0};
  alignas(64) std::atomic<std::size_t> m_read{0};
};

}  // namespace voixer::audio
