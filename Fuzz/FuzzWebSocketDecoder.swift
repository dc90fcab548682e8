// libFuzzer entry point: any bytes as frames from a client into the decoder and assembler;
// every failure must map to a close code valid on the wire, and nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var buffer = ByteBuffer(Array(UnsafeBufferPointer(start: data, count: size)))
    let decoder = WebSocketFrameDecoder(role: .server, maxFrameBytes: 1 << 16)
    var assembler = MessageAssembler(maxMessageBytes: 1 << 16)
    do {
        while let frame = try decoder.decode(&buffer) { _ = try assembler.accept(frame) }
    } catch {
        precondition(error.closeCode.isValidOnWire)
    }
    return 0
}
