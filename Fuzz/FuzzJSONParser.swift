// libFuzzer entry point: any bytes into JSONParser; valid documents must re-parse to the
// same value after JSONWriter (round trip), and nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let text = JSONWriter.string(value)
    guard let again = try? JSONParser.parse(text), again == value else {
        fatalError("round trip changed the document: \(text)")
    }
    return 0
}
