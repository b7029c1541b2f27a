// SwiftASGI Benchmarks: asgi-demo (and nginx, when installed) under wrk, pinned to separate CPUs.
// See `swift run -c release Benchmarks --help`. Files: Options (CLI), ProcessControl + ProcFS
// (children, signals, /proc), Sockets (TCP/HTTP/RESP clients), Wrk (runner + parser), Servers,
// LoadScenarios, IdleScenario, TransferScenarios + TransferSummary (static and big-body), Summary
// (medians, ratios, JSON), Report (tables), Driver (the run); WebSocketProtocol (handshake, frames,
// SHA-1), WebSocketLoad + WebSocketLoadCommand (`Benchmarks ws-load`, the epoll client),
// WebSocketScenario, PeerSetup (venv + Hummingbird build) and Peers/ (the peer servers).
import Foundation

exit(Driver.main(Array(CommandLine.arguments.dropFirst())))
