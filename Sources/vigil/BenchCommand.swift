struct BenchCommand { init(arguments: [String]) throws(UsageError) {}; func run() async throws -> Int32 { 0 } }
