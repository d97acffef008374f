#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace bamsprod {
namespace {

// True on a thread while it runs tasks of a parallelFor: a kernel called from inside a task
// (a convolution's per-image work calling im2col) then runs serially instead of trying to
// take the pool that is already running it.
thread_local bool insideTask = false;

struct TaskScope {
  bool saved = insideTask;
  TaskScope() { insideTask = true; }
  ~TaskScope() { insideTask = saved; }
};

class Pool {
 public:
  ~Pool() { resize(1); }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stopWorkers();
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    // A new worker starts at the current generation: were it to start at 0 it would wake at
    // once for a run that already finished and decrement active_ for a run it never joined.
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, seen = generation_] { workerLoop(seen); });
  }

  // Caller must hold busy_.
  void run(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      n_ = n;
      chunk_ = chunk;
      next_.store(0);
      active_ = static_cast<int>(workers_.size());
      generation_++;
    }
    wake_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
    fn_ = nullptr;
  }

  std::mutex busy_;

 private:
  // Takes chunks until none is left; shared by the caller and the workers.
  void work() {
    TaskScope scope;
    for (;;) {
      int64_t begin = next_.fetch_add(chunk_);
      if (begin >= n_) return;
      (*fn_)(begin, std::min(n_, begin + chunk_));
    }
  }

  void workerLoop(uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) done_.notify_one();
    }
  }

  void stopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0, chunk_ = 1;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  // Never destroyed: joining threads during process exit can deadlock.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

int poolThreads() { return pool().threads(); }

void setPoolThreads(int threads) {
  std::lock_guard<std::mutex> lock(pool().busy_);
  pool().resize(std::max(1, threads));
}

void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  Pool& p = pool();
  int threads = p.threads();
  if (threads == 1 || n <= grain || insideTask) {
    fn(0, n);
    return;
  }
  std::unique_lock<std::mutex> lock(p.busy_, std::try_to_lock);
  if (!lock.owns_lock()) {
    fn(0, n);
    return;
  }
  // A few chunks per thread balance uneven progress without much scheduling overhead.
  int64_t chunk = std::max(grain, (n + 4 * threads - 1) / (4 * threads));
  p.run(n, chunk, fn);
}

}  // namespace bamsprod
