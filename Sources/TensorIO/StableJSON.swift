import Foundation

/// JSON for files we write (checkpoint metadata, configs, reports): keys sorted, so two identical runs write
/// byte-identical files and "bit-identical resume" can be checked with `cmp`.
public enum StableJSON {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return encoder
    }

    /// `value` as compact JSON text with sorted keys.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}
