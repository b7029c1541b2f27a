// SwiftASGI Benchmarks: asgi-demo (and nginx, when installed) under wrk, pinned to separate CPUs.
// See `swift run -c release Benchmarks --help`. Files: Options (CLI), ProcessControl + ProcFS
// (children, signals, /proc), Sockets (TCP/HTTP/RESP clients), Wrk (runner + parser), Servers,
// LoadScenarios, IdleScenario, Summary (medians, ratios, JSON), Report (tables), Driver (the run).
import Foundation

exit(Driver.main(Array(CommandLine.arguments.dropFirst())))
