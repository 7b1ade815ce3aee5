// A readers–writer lock that serves requests in arrival order: a run of readers shares it, a
// writer waits for the readers ahead of it and holds everyone behind it off. Neither side can
// starve the other (glibc's rwlock lets a writer that unlocks and locks again in a loop keep
// readers out, or readers keep a writer out). Readers and writers must not nest.
#if canImport(Glibc)
import Glibc
#endif

final class FairReadWriteLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let turn = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // All guarded by `mutex`.
    private var nextTicket = 0
    private var serving = 0
    private var readers = 0
    private var writing = false

    init() {
        precondition(pthread_mutex_init(mutex, nil) == 0 && pthread_cond_init(turn, nil) == 0, "lock set-up failed")
    }

    deinit {
        pthread_cond_destroy(turn)
        pthread_mutex_destroy(mutex)
        turn.deallocate()
        mutex.deallocate()
    }

    func withReading<T>(_ body: () throws -> T) rethrows -> T {
        lockInTurn { !writing }
        readers += 1
        pthread_cond_broadcast(turn)  // the next ticket may be a reader too
        pthread_mutex_unlock(mutex)
        defer {
            pthread_mutex_lock(mutex)
            readers -= 1
            if readers == 0 { pthread_cond_broadcast(turn) }
            pthread_mutex_unlock(mutex)
        }
        return try body()
    }

    func withWriting<T>(_ body: () throws -> T) rethrows -> T {
        lockInTurn { !writing && readers == 0 }
        writing = true
        pthread_mutex_unlock(mutex)
        defer {
            pthread_mutex_lock(mutex)
            writing = false
            pthread_cond_broadcast(turn)
            pthread_mutex_unlock(mutex)
        }
        return try body()
    }

    /// Takes a ticket and returns holding `mutex` once it is served and `ready` holds.
    private func lockInTurn(until ready: () -> Bool) {
        pthread_mutex_lock(mutex)
        let ticket = nextTicket
        nextTicket += 1
        while ticket != serving || !ready() { pthread_cond_wait(turn, mutex) }
        serving += 1
    }
}
