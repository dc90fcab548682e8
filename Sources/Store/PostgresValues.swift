import CLibPQ

/// How `SQLValue`s cross libpq: parameters go as text (blobs as binary `bytea`), so the server
/// converts them to each parameter's inferred type as SQLite's affinity would; result columns
/// come back as text and are read by their type OID, so a row holds what SQLite would give —
/// integers (`int2/4/8`, `oid`, a whole `numeric` such as `sum(bigint)`, and `bool` as 0 or 1),
/// reals (`float4/8`, a fractional `numeric`), blobs (`bytea`), NULL, and text for the rest.
///
/// PostgreSQL text cannot hold U+0000: a NUL in a bound string is stored as U+FFFD (the
/// replacement character), so a charger frame carrying one is kept, readable, in the raw log
/// instead of failing the group commit that carries it.
enum PostgresValues {
    /// Type OIDs (pg_type.h).
    static let bool: Oid = 16, bytea: Oid = 17, int8: Oid = 20, int2: Oid = 21, int4: Oid = 23, text: Oid = 25, oid: Oid = 26
    static let float4: Oid = 700, float8: Oid = 701, numeric: Oid = 1700

    /// The parameters of one execution, laid out for `PQexecPrepared`: one buffer of bytes with
    /// each text value NUL-terminated, and per parameter its offset (nil for NULL), length and
    /// format (0 text, 1 binary).
    struct Parameters {
        var bytes: [UInt8] = []
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []

        init(_ values: [any SQLBindable]) {
            for value in values {
                switch value.sqlValue {
                case .null:
                    offsets.append(nil)
                    lengths.append(0)
                    formats.append(0)
                case .integer(let number): appendText(String(number))
                case .real(let number): appendText(PostgresValues.text(of: number))
                case .text(let text):
                    appendText(text.utf8.contains(0) ? String(text.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }) : text)
                case .blob(let blob):
                    offsets.append(bytes.count)
                    bytes.append(contentsOf: blob)
                    lengths.append(Int32(blob.count))
                    formats.append(1)
                }
            }
            bytes.append(0)
        }

        private mutating func appendText(_ text: String) {
            offsets.append(bytes.count)
            bytes.append(contentsOf: text.utf8)
            bytes.append(0)
            lengths.append(0)
            formats.append(0)
        }

        /// Calls `body` with the C arrays libpq wants, valid for the call only.
        func withPointers<T>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> T) -> T {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { characters in
                    // `bytes` ends with a spare NUL (see init), so an empty blob at the end still gets a
                    // non-null pointer (a null one means NULL) and the buffer always has an address.
                    let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                        offset.flatMap { offset in characters.baseAddress.map { UnsafePointer($0) + offset } }
                    }
                    return pointers.withUnsafeBufferPointer { values in
                        lengths.withUnsafeBufferPointer { lengths in
                            formats.withUnsafeBufferPointer { formats in
                                body(values.baseAddress, lengths.baseAddress, formats.baseAddress)
                            }
                        }
                    }
                }
            }
        }
    }

    /// A double as PostgreSQL's `float8in` reads it (Swift spells the specials inf and nan).
    static func text(of number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        return "\(number)"
    }

    /// Row `row`, column `column` of `result`, as the `SQLValue` SQLite would give.
    static func value(_ result: OpaquePointer, row: Int32, column: Int32, type: Oid) throws(PostgresError) -> SQLValue {
        if PQgetisnull(result, row, column) != 0 { return .null }
        guard let pointer = PQgetvalue(result, row, column) else { return .null }
        let length = Int(PQgetlength(result, row, column))
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        switch type {
        case int8, int4, int2, oid:
            guard let number = Int64(String(decoding: bytes, as: UTF8.self)) else { throw unreadable(bytes, type: type) }
            return .integer(number)
        case float8, float4:
            guard let number = Double(String(decoding: bytes, as: UTF8.self)) else { throw unreadable(bytes, type: type) }
            return .real(number)
        case numeric:
            let text = String(decoding: bytes, as: UTF8.self)
            if let number = Int64(text) { return .integer(number) }
            guard let number = Double(text) else { throw unreadable(bytes, type: type) }
            return .real(number)
        case bool:
            return .integer(bytes.first == UInt8(ascii: "t") ? 1 : 0)
        case bytea:
            return .blob(try hexDecoded(bytes))
        default:
            return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// `bytea` in its hex output form, `\x` then two digits a byte.
    static func hexDecoded(_ text: UnsafeRawBufferPointer) throws(PostgresError) -> [UInt8] {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            throw PostgresError(kind: .value, message: "a bytea value not in hex form (set bytea_output = hex)")
        }
        func nibble(_ byte: UInt8) throws(PostgresError) -> UInt8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: throw PostgresError(kind: .value, message: "a bytea value with a non-hex digit")
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity((text.count - 2) / 2)
        var index = 2
        while index < text.count {
            result.append(try nibble(text[index]) << 4 | nibble(text[index + 1]))
            index += 2
        }
        return result
    }

    static func unreadable(_ bytes: UnsafeRawBufferPointer, type: Oid) -> PostgresError {
        PostgresError(kind: .value, message: "cannot read a value of type \(type) (\(bytes.count) bytes) as a number")
    }
}
