// libFuzzer entry point: any bytes into HTTPRequestParser, fed in two pieces; it must
// either yield requests or throw an HTTPParseError with a 4xx/5xx status, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var parser = HTTPRequestParser()
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    parser.feed(Array(bytes[..<split]))
    do {
        while try parser.nextRequest() != nil {}
        parser.feed(Array(bytes[split...]))
        while try parser.nextRequest() != nil {}
    } catch {
        precondition(error.status.code >= 400 && error.status.code < 600)
    }
    return 0
}
