import UVLoop

extension Supervisor {
    /// One scrape: the workers asked, the texts they sent back, and the waiting request.
    final class MetricsRequest {
        var waiting: Set<ObjectIdentifier>
        var texts: [String] = []
        let continuation: CheckedContinuation<[String], Never>
        let timer: LoopTimer

        init(waiting: Set<ObjectIdentifier>, continuation: CheckedContinuation<[String], Never>, timer: LoopTimer) {
            self.waiting = waiting
            self.continuation = continuation
            self.timer = timer
        }
    }

    /// A worker that does not answer a scrape within this long is left out of it.
    static let metricsReplyTimeout: UInt64 = 2000

    func startMetricsEndpoint() throws {
        guard let port = settings.metricsPort else { return }
        let box = SupervisorBox(self)
        var failure: (any Error)?
        metricsEndpoint = MetricsEndpoint.start(
            loop: loop, host: settings.metricsHost, port: port, logger: logger,
            render: { await box.supervisor.renderMetrics() }
        ) { result in
            if case .failure(let error) = result { failure = error }
        }
        // Binding happens within the first turn; a taken port is a start-up error.
        _ = loop.run(forAtMost: 1000) { metricsEndpoint.map { $0.serverAddress != nil } ?? true || failure != nil }
        if let failure { throw failure }
    }

    func stopMetricsEndpoint() {
        metricsEndpoint?.shutdown {}
        metricsEndpoint = nil
        for request in metricsRequests { finish(request) }
    }

    /// Every running worker's text and the supervisor's own, summed.
    func renderMetrics() async -> String {
        let texts = await collectWorkerMetrics()
        var own = ""
        ServerMetrics.gauge(
            "process_resident_memory_bytes", "Resident memory (summed over the supervisor and its workers).",
            ServerMetrics.residentMemoryBytes(), into: &own)
        own += "# HELP worker_restarts_total Workers started in place of one that died, was killed, recycled or rolled.\n"
        own += "# TYPE worker_restarts_total counter\nworker_restarts_total \(restarts)\n"
        ServerMetrics.gauge("workers", "Worker processes running now.", workers.count, into: &own)
        return MetricsExport.merge(texts + [own])
    }

    private func collectWorkerMetrics() async -> [String] {
        let asked = workers.filter { $0.state != .starting }
        guard !asked.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let timer = LoopTimer(loop: loop)
            let request = MetricsRequest(
                waiting: Set(asked.map(ObjectIdentifier.init)), continuation: continuation, timer: timer)
            metricsRequests.append(request)
            timer.start(after: Self.metricsReplyTimeout) { [unowned self, unowned request] in
                self.logger.warning("metrics: \(request.waiting.count) worker(s) did not answer in time")
                self.finish(request)
            }
            for worker in asked { worker.channel.send("metrics") }
        }
    }

    func metricsArrived(_ text: String, from worker: WorkerProcess) {
        let id = ObjectIdentifier(worker)
        guard let request = metricsRequests.first(where: { $0.waiting.contains(id) }) else { return }
        request.waiting.remove(id)
        request.texts.append(text)
        if request.waiting.isEmpty { finish(request) }
    }

    /// A worker that exits is not waited for.
    func metricsWorkerGone(_ worker: WorkerProcess) {
        let id = ObjectIdentifier(worker)
        for request in metricsRequests where request.waiting.remove(id) != nil && request.waiting.isEmpty {
            finish(request)
        }
    }

    private func finish(_ request: MetricsRequest) {
        guard let index = metricsRequests.firstIndex(where: { $0 === request }) else { return }
        metricsRequests.remove(at: index)
        request.timer.close()
        request.continuation.resume(returning: request.texts)
    }
}

/// Lets the endpoint's application, which runs on the supervisor's loop, reach the supervisor.
struct SupervisorBox: @unchecked Sendable {
    // Safety: created on the supervisor's loop thread and used only by tasks on that loop.
    unowned let supervisor: Supervisor
    init(_ supervisor: Supervisor) { self.supervisor = supervisor }
}
