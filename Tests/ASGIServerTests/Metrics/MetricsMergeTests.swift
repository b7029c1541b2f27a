import Testing

@testable import ASGIServer

/// The supervisor's sum of its workers' texts, and the control channel's escaping.
@Suite struct MetricsMergeTests {
    @Test func samplesOfTheSameSeriesAreAddedAndFamiliesStayTogether() {
        let first = """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{method="GET",status="200"} 3
            # TYPE h histogram
            h_bucket{le="0.5"} 1
            h_bucket{le="+Inf"} 2
            h_sum 0.75
            h_count 2
            only_first 1

            """
        let second = """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{method="GET",status="200"} 4
            a_total{method="POST",status="500"} 1
            # TYPE h histogram
            h_bucket{le="0.5"} 2
            h_bucket{le="+Inf"} 2
            h_sum 0.5
            h_count 2

            """
        let merged = MetricsExport.merge([first, second])
        #expect(
            merged == """
                # HELP a_total A.
                # TYPE a_total counter
                a_total{method="GET",status="200"} 7
                a_total{method="POST",status="500"} 1
                # TYPE h histogram
                h_bucket{le="0.5"} 3
                h_bucket{le="+Inf"} 4
                h_sum 1.25
                h_count 4
                only_first 1

                """)
    }

    @Test func aWorkersTextSurvivesTheChannelEscaping() {
        let text = "x{path=\"a\\\\b\\n\"} 1\n# HELP y back\\slash\ny 2\n"
        let line = MetricsExport.escape(text)
        #expect(!line.contains("\n"))
        #expect(MetricsExport.unescape(line[...]) == text)
    }

    @Test func methodsOutsideTheKnownOnesShareOneLabel() {
        let metrics = ServerMetrics()
        for method in ["GET", "BREW", "PROPFIND", "", "get"] {
            metrics.requestCompleted(method: method, status: 200, startedAt: ServerMetrics.now())
        }
        metrics.requestCompleted(method: "GET", status: 999, startedAt: ServerMetrics.now())
        var out = ""
        metrics.render(activeRequests: 0, openConnections: 0, openWebSockets: 0, into: &out)
        let series = out.split(separator: "\n").filter { $0.hasPrefix("http_server_requests_total{") }
        #expect(
            series == [
                #"http_server_requests_total{method="GET",status="200"} 1"#,
                #"http_server_requests_total{method="GET",status="599"} 1"#,
                #"http_server_requests_total{method="other",status="200"} 4"#,
            ])
    }
}
