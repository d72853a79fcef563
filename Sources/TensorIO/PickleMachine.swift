import Foundation

/// A pickle interpreter for the opcodes `torch.save` emits (protocols 2–5). It never imports or calls anything:
/// globals are looked up in `PickleGlobal`'s allow-list and "calling" one runs our own code for it. Every length is
/// checked against the bytes left and every stack and memo access is checked, so malformed input throws.
struct PickleMachine {
    /// Resolves a persistent id (PyTorch's storage references) to a node.
    typealias PersistentLoad = (_ pid: PickleNode, _ machine: PickleMachine) throws -> PickleNode

    /// Longest GLOBAL module or name line we accept; real ones are a few dozen characters.
    static let maxGlobalLineLength = 1024

    let path: String
    let arena: PickleArena
    private var reader: ByteReader
    private let persistentLoad: PersistentLoad?
    private var stack: [PickleNode] = []
    /// Stack heights at each MARK.
    private var marks: [Int] = []
    private var memo: [Int: PickleNode] = [:]
    private var opcodeOffset = 0

    /// Runs the pickle starting at `reader`'s position up to its STOP and returns its value; `reader` is left just
    /// past the STOP (a legacy checkpoint holds several pickles in a row).
    static func load(_ reader: inout ByteReader, arena: PickleArena,
                     persistentLoad: PersistentLoad? = nil) throws -> PickleNode {
        var machine = PickleMachine(path: reader.path, arena: arena, reader: reader, persistentLoad: persistentLoad)
        let result = try machine.run()
        reader = machine.reader
        return result
    }

    private init(path: String, arena: PickleArena, reader: ByteReader, persistentLoad: PersistentLoad?) {
        self.path = path
        self.arena = arena
        self.reader = reader
        self.persistentLoad = persistentLoad
    }

    func error(_ message: String) -> TensorIOError {
        TensorIOError(path: path, "pickle: \(message) (opcode at offset \(opcodeOffset))")
    }

    // MARK: Stack

    private mutating func push(_ node: PickleNode) { stack.append(node) }

    private mutating func pop() throws -> PickleNode {
        guard stack.count > (marks.last ?? 0) else { throw error("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleNode {
        guard stack.count > (marks.last ?? 0), let last = stack.last else { throw error("stack underflow") }
        return last
    }

    /// The items pushed since the last MARK, removing them and the mark.
    private mutating func popMark() throws -> [PickleNode] {
        guard let mark = marks.popLast() else { throw error("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    // MARK: Reading arguments

    private mutating func length(_ width: Int) throws -> Int {
        let n = try reader.uintLE(width, "pickle length")
        guard n <= UInt64(reader.remaining) else {
            throw error("length \(n) runs past the end of the pickle (\(reader.remaining) bytes left)")
        }
        return Int(n)
    }

    private mutating func utf8String(_ n: Int) throws -> String {
        let bytes = try reader.bytes(n, "pickle string")
        guard let s = String(bytes: bytes, encoding: .utf8) else { throw error("string is not valid UTF-8") }
        return s
    }

    private mutating func memoIndex(_ width: Int) throws -> Int { Int(try reader.uintLE(width, "pickle memo index")) }

    private func memoGet(_ index: Int) throws -> PickleNode {
        guard let node = memo[index] else { throw error("memo index \(index) was never stored") }
        return node
    }

    /// A little-endian two's-complement integer of `bytes.count` bytes; larger than 64 bits is an error.
    private func signedInteger(_ bytes: Data) throws -> Int {
        let b = [UInt8](bytes)
        guard !b.isEmpty else { return 0 }
        let negative = b[b.count - 1] & 0x80 != 0
        // Bytes beyond the eighth must be pure sign extension.
        if b.count > 8 {
            let fill: UInt8 = negative ? 0xFF : 0
            guard b[8...].allSatisfy({ $0 == fill }), (b[7] & 0x80 != 0) == negative else {
                throw error("integer of \(b.count) bytes does not fit 64 bits")
            }
        }
        var value: UInt64 = negative ? .max : 0
        for i in 0..<min(8, b.count) {
            value &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            value |= UInt64(b[i]) << (8 * UInt64(i))
        }
        return Int(Int64(bitPattern: value))
    }

    private mutating func globalLine() throws -> String {
        let line = try reader.line(limit: Self.maxGlobalLineLength, "pickle GLOBAL")
        guard let s = String(bytes: line, encoding: .utf8) else { throw error("GLOBAL name is not valid UTF-8") }
        return s
    }

    private func global(module: String, name: String) throws -> PickleNode {
        guard let g = PickleGlobal.resolve(module: module, name: name) else {
            throw TensorIOError(path: path, "pickle global '\(module).\(name)' is not allowed")
        }
        return .global(g)
    }

    // MARK: Containers

    private func newList(_ items: [PickleNode] = []) -> PickleList {
        let list = arena.register(PickleList())
        list.items = items
        return list
    }

    private func newTuple(_ items: [PickleNode]) -> PickleNode { .tuple(arena.register(PickleTuple(items))) }

    private func setItem(_ dict: PickleNode, key: PickleNode, value: PickleNode) throws {
        let target: PickleDict
        switch dict {
        case .dict(let d), .namespace(let d): target = d
        default: throw error("SETITEM on \(dict.kindDescription)")
        }
        guard let identity = PickleKey(key) else { throw error("unhashable dict key (\(key.kindDescription))") }
        target.set(value, for: key, keyIdentity: identity)
    }

    private func appendItems(_ items: [PickleNode], to container: PickleNode) throws {
        switch container {
        case .list(let l), .set(let l): l.items.append(contentsOf: items)
        default: throw error("APPEND to \(container.kindDescription)")
        }
    }

    // MARK: Main loop

    private mutating func run() throws -> PickleNode {
        while true {
            opcodeOffset = reader.offset
            let op = try reader.uint8("pickle opcode (missing STOP)")
            switch op {
            case 0x80:  // PROTO
                let version = try reader.uint8("pickle protocol")
                guard version <= 5 else { throw error("unsupported pickle protocol \(version)") }
            case 0x95:  // FRAME: a length hint only
                _ = try reader.uint64LE("pickle frame")
            case UInt8(ascii: "."):  // STOP
                return try pop()
            case UInt8(ascii: "("): marks.append(stack.count)  // MARK
            case UInt8(ascii: "0"):  // POP (or, at a mark with nothing above it, drop the mark)
                if let mark = marks.last, stack.count == mark { marks.removeLast() } else { _ = try pop() }
            case UInt8(ascii: "1"): _ = try popMark()  // POP_MARK
            case UInt8(ascii: "2"): push(try top())  // DUP

            case UInt8(ascii: "N"): push(.none)
            case 0x88: push(.bool(true))
            case 0x89: push(.bool(false))
            case UInt8(ascii: "J"): push(.int(Int(try reader.int32LE("BININT"))))
            case UInt8(ascii: "K"): push(.int(Int(try reader.uint8("BININT1"))))
            case UInt8(ascii: "M"): push(.int(Int(try reader.uint16LE("BININT2"))))
            case 0x8A:  // LONG1
                let n = try length(1)
                push(.int(try signedInteger(try reader.bytes(n, "LONG1"))))
            case 0x8B:  // LONG4
                let n = try length(4)
                push(.int(try signedInteger(try reader.bytes(n, "LONG4"))))
            case UInt8(ascii: "G"):  // BINFLOAT, big-endian
                let bits = try reader.bytes(8, "BINFLOAT").reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                push(.float(Double(bitPattern: bits)))

            case UInt8(ascii: "X"): push(.string(try utf8String(try length(4))))  // BINUNICODE
            case 0x8C: push(.string(try utf8String(try length(1))))  // SHORT_BINUNICODE
            case 0x8D: push(.string(try utf8String(try length(8))))  // BINUNICODE8
            case UInt8(ascii: "T"), UInt8(ascii: "U"):  // BINSTRING, SHORT_BINSTRING: Python 2 str
                let bytes = try reader.bytes(try length(op == UInt8(ascii: "T") ? 4 : 1), "BINSTRING")
                push(.string(String(bytes: bytes, encoding: .utf8) ?? String(bytes.map { Character(Unicode.Scalar($0)) })))
            case UInt8(ascii: "B"): push(.bytes(try reader.bytes(try length(4), "BINBYTES")))
            case UInt8(ascii: "C"): push(.bytes(try reader.bytes(try length(1), "SHORT_BINBYTES")))
            case 0x8E, 0x96: push(.bytes(try reader.bytes(try length(8), "BINBYTES8")))  // BINBYTES8, BYTEARRAY8

            case UInt8(ascii: "]"): push(.list(newList()))
            case UInt8(ascii: "}"): push(.dict(arena.register(PickleDict())))
            case UInt8(ascii: ")"): push(newTuple([]))
            case 0x8F: push(.set(newList()))  // EMPTY_SET
            case UInt8(ascii: "l"): push(.list(newList(try popMark())))
            case UInt8(ascii: "t"): push(newTuple(try popMark()))
            case 0x85: push(newTuple([try pop()]))
            case 0x86:
                let b = try pop(), a = try pop()
                push(newTuple([a, b]))
            case 0x87:
                let c = try pop(), b = try pop(), a = try pop()
                push(newTuple([a, b, c]))
            case 0x91: push(.set(newList(try popMark())))  // FROZENSET
            case UInt8(ascii: "d"):  // DICT
                let items = try popMark()
                guard items.count % 2 == 0 else { throw error("DICT with an odd number of items") }
                let dict = PickleNode.dict(arena.register(PickleDict()))
                for i in stride(from: 0, to: items.count, by: 2) { try setItem(dict, key: items[i], value: items[i + 1]) }
                push(dict)

            case UInt8(ascii: "a"):  // APPEND
                let item = try pop()
                try appendItems([item], to: try top())
            case UInt8(ascii: "e"), 0x90:  // APPENDS, ADDITEMS
                let items = try popMark()
                try appendItems(items, to: try top())
            case UInt8(ascii: "s"):  // SETITEM
                let value = try pop(), key = try pop()
                try setItem(try top(), key: key, value: value)
            case UInt8(ascii: "u"):  // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else { throw error("SETITEMS with an odd number of items") }
                let dict = try top()
                for i in stride(from: 0, to: items.count, by: 2) { try setItem(dict, key: items[i], value: items[i + 1]) }

            case UInt8(ascii: "q"): memo[try memoIndex(1)] = try top()  // BINPUT
            case UInt8(ascii: "r"): memo[try memoIndex(4)] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case UInt8(ascii: "h"): push(try memoGet(try memoIndex(1)))  // BINGET
            case UInt8(ascii: "j"): push(try memoGet(try memoIndex(4)))  // LONG_BINGET

            case UInt8(ascii: "c"):  // GLOBAL
                let module = try globalLine()
                let name = try globalLine()
                push(try global(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .string(let n) = name, case .string(let m) = module else {
                    throw error("STACK_GLOBAL needs two strings")
                }
                push(try global(module: m, name: n))

            case UInt8(ascii: "R"):  // REDUCE
                let args = try pop(), callable = try pop()
                push(try call(callable, args: try tupleItems(args, "REDUCE arguments")))
            case 0x81:  // NEWOBJ
                let args = try pop(), cls = try pop()
                push(try newObject(cls, args: try tupleItems(args, "NEWOBJ arguments")))
            case 0x92:  // NEWOBJ_EX
                let kwargs = try pop(), args = try pop(), cls = try pop()
                if case .dict(let d) = kwargs, !d.entries.isEmpty { throw error("NEWOBJ_EX with keyword arguments") }
                push(try newObject(cls, args: try tupleItems(args, "NEWOBJ_EX arguments")))
            case UInt8(ascii: "b"):  // BUILD
                let state = try pop()
                try build(try top(), state: state)
            case UInt8(ascii: "Q"):  // BINPERSID
                let pid = try pop()
                guard let persistentLoad else { throw error("persistent id in a pickle that cannot have one") }
                push(try persistentLoad(pid, self))

            default:
                throw error(String(format: "unsupported opcode 0x%02x", op))
            }
        }
    }

    // MARK: Globals

    func tupleItems(_ node: PickleNode, _ what: String) throws -> [PickleNode] {
        switch node {
        case .tuple(let t): return t.items
        case .list(let l): return l.items
        default: throw error("\(what) must be a tuple, got \(node.kindDescription)")
        }
    }

    func intValue(_ node: PickleNode, _ what: String) throws -> Int {
        switch node {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw error("\(what) must be an int, got \(node.kindDescription)")
        }
    }

    private func ints(_ node: PickleNode, _ what: String) throws -> [Int] {
        try tupleItems(node, what).map { try intValue($0, what) }
    }

    private func call(_ callable: PickleNode, args: [PickleNode]) throws -> PickleNode {
        guard case .global(let g) = callable else { throw error("REDUCE on \(callable.kindDescription)") }
        func expectArgs(_ counts: ClosedRange<Int>) throws {
            guard counts.contains(args.count) else {
                throw error("'\(g.qualifiedName)' called with \(args.count) arguments")
            }
        }
        switch g.kind {
        case .orderedDict:
            try expectArgs(0...1)
            let dict = PickleNode.dict(arena.register(PickleDict()))
            if let source = args.first {
                for pair in try tupleItems(source, "OrderedDict items") {
                    let kv = try tupleItems(pair, "OrderedDict item")
                    guard kv.count == 2 else { throw error("OrderedDict item is not a pair") }
                    try setItem(dict, key: kv[0], value: kv[1])
                }
            }
            return dict
        case .rebuildTensorV2, .rebuildTensor:
            try expectArgs(g.kind == .rebuildTensor ? 4...4 : 6...7)
            return .tensor(try tensorReference(args))
        case .rebuildParameter, .rebuildParameterWithState:
            try expectArgs(g.kind == .rebuildParameter ? 3...3 : 4...4)
            guard case .tensor = args[0] else { throw error("'\(g.qualifiedName)' needs a tensor") }
            return args[0]
        case .rebuildFromTypeV2:
            // (function, type, args, state): a Tensor or Parameter (maybe carrying Python attributes, ignored).
            try expectArgs(4...4)
            guard case .global(let type) = args[1], type.kind == .tensorClass || type.kind == .parameterClass else {
                throw error("'\(g.qualifiedName)' of \(args[1].kindDescription) is not supported")
            }
            guard case .global(let function) = args[0],
                  [.rebuildTensorV2, .rebuildTensor, .rebuildParameter].contains(function.kind) else {
                throw error("'\(g.qualifiedName)' with \(args[0].kindDescription) is not supported")
            }
            return try call(args[0], args: try tupleItems(args[2], "rebuild arguments"))
        case .set, .frozenset:
            try expectArgs(0...1)
            return .set(newList(try args.first.map { try tupleItems($0, "set items") } ?? []))
        case .slice:
            try expectArgs(1...3)
            return .object(arena.register(PickleObject(name: g.qualifiedName, state: newTuple(args))))
        case .namespace:
            try expectArgs(0...0)
            return .namespace(arena.register(PickleDict()))
        case .codecsEncode:
            // Protocol 2 writes Python 3 bytes as _codecs.encode(text, 'latin1').
            try expectArgs(1...2)
            guard case .string(let text) = args[0] else { throw error("_codecs.encode needs a string") }
            var encoding = "utf-8"
            if args.count > 1 {
                guard case .string(let e) = args[1] else { throw error("_codecs.encode encoding is not a string") }
                encoding = e
            }
            switch encoding.lowercased() {
            case "latin1", "latin-1", "iso-8859-1":
                var bytes = Data()
                for u in text.unicodeScalars {
                    guard u.value <= 0xFF else { throw error("_codecs.encode: character outside latin-1") }
                    bytes.append(UInt8(u.value))
                }
                return .bytes(bytes)
            case "utf-8", "utf8": return .bytes(Data(text.utf8))
            default: throw error("_codecs.encode with encoding '\(encoding)' is not supported")
            }
        case .torchSize:
            try expectArgs(1...1)
            return newTuple(try ints(args[0], "torch.Size").map { .int($0) })
        case .torchDevice:
            try expectArgs(1...2)
            guard case .string(let type) = args[0] else { throw error("torch.device needs a string") }
            if args.count == 2, case .int(let index) = args[1] { return .string("\(type):\(index)") }
            return .string(type)
        case .numpyDType:
            try expectArgs(1...3)
            guard case .string(let code) = args[0] else { throw error("numpy.dtype needs a type code string") }
            return .numpyDType(arena.register(NumpyDType(code: code)))
        case .numpyScalar:
            try expectArgs(1...2)
            guard case .numpyDType(let dtype) = args[0], args.count == 2, case .bytes(let bytes) = args[1] else {
                throw error("numpy scalar needs a dtype and its bytes")
            }
            return try numpyScalar(dtype, bytes)
        case .numpyReconstruct:
            try expectArgs(3...3)
            guard case .global(let cls) = args[0], cls.kind == .numpyNDArray else {
                throw error("numpy _reconstruct of \(args[0].kindDescription) is not supported")
            }
            return .numpyArray(arena.register(NumpyArray()))
        case .tensorClass, .parameterClass, .storageType, .dtype, .numpyNDArray:
            throw error("calling '\(g.qualifiedName)' is not supported")
        }
    }

    private func newObject(_ cls: PickleNode, args: [PickleNode]) throws -> PickleNode {
        guard case .global(let g) = cls else { throw error("NEWOBJ on \(cls.kindDescription)") }
        switch g.kind {
        case .namespace: return .namespace(arena.register(PickleDict()))
        case .orderedDict: return .dict(arena.register(PickleDict()))
        case .set, .frozenset: return .set(newList())
        default: throw error("creating '\(g.qualifiedName)' with NEWOBJ is not supported")
        }
    }

    private func build(_ object: PickleNode, state: PickleNode) throws {
        switch object {
        case .namespace(let attributes):
            // __setstate__ default: the state is the instance __dict__ (or (dict, slots)).
            var source = state
            if case .tuple(let t) = state, t.items.count == 2 { source = t.items[0] }
            guard case .dict(let d) = source else { throw error("argparse.Namespace state is not a dict") }
            for (key, value) in d.entries {
                guard let identity = PickleKey(key) else { throw error("unhashable attribute name") }
                attributes.set(value, for: key, keyIdentity: identity)
            }
        case .dict, .tensor:
            // Python attributes on an OrderedDict (a state dict's `_metadata`) or a tensor: not part of the data.
            break
        case .numpyDType(let dtype):
            // (version, byte order, subarray, names, fields, elsize, alignment, flags)
            let items = try tupleItems(state, "numpy dtype state")
            guard items.count >= 2, case .string(let order) = items[1], let c = order.first, order.count == 1 else {
                throw error("numpy dtype state has no byte order")
            }
            dtype.byteOrder = c
        case .numpyArray(let array):
            // (version, shape, dtype, is_fortran, raw data)
            let items = try tupleItems(state, "numpy array state")
            guard items.count == 5 else { throw error("numpy array state has \(items.count) fields") }
            let shape = try ints(items[1], "numpy array shape")
            guard case .numpyDType(let dtype) = items[2] else { throw error("numpy array state has no dtype") }
            guard case .bool(let fortran) = items[3], !fortran else {
                throw error("Fortran-ordered numpy arrays are not supported")
            }
            guard case .bytes(let raw) = items[4] else { throw error("numpy array of objects is not supported") }
            let type = try numpyScalarType(dtype)
            guard let count = HostTensor.byteCount(shape: shape, scalarType: type), count == raw.count else {
                throw error("numpy array data does not match its shape \(shape)")
            }
            array.tensor = HostTensor(scalarType: type, shape: shape, bytes: raw)
        default:
            throw error("BUILD on \(object.kindDescription) is not supported")
        }
    }

    // MARK: Tensors and numpy values

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private func tensorReference(_ args: [PickleNode]) throws -> TensorReference {
        guard case .storage(let storage) = args[0] else {
            throw error("tensor rebuilt from \(args[0].kindDescription) instead of a storage")
        }
        let offset = try intValue(args[1], "storage offset")
        let shape = try ints(args[2], "tensor size")
        let strides = try ints(args[3], "tensor stride")
        guard offset >= 0 else { throw error("negative storage offset \(offset)") }
        guard shape.count == strides.count, shape.count <= 64 else {
            throw error("tensor size \(shape) and stride \(strides) do not match")
        }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw error("negative size or stride in \(shape) / \(strides)")
        }
        return TensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides)
    }

    private func numpyScalarType(_ dtype: NumpyDType) throws -> ScalarType {
        let table: [String: ScalarType] = [
            "f8": .float64, "f4": .float32, "f2": .float16, "i8": .int64, "i4": .int32, "i2": .int16,
            "i1": .int8, "u1": .uint8, "b1": .bool,
        ]
        guard let type = table[dtype.code] else { throw error("numpy dtype '\(dtype.code)' is not supported") }
        guard dtype.byteOrder != ">" || type.byteWidth == 1 else {
            throw error("big-endian numpy dtype '>\(dtype.code)' is not supported")
        }
        return type
    }

    private func numpyScalar(_ dtype: NumpyDType, _ bytes: Data) throws -> PickleNode {
        let unsignedCodes: [String: Int] = ["u2": 2, "u4": 4, "u8": 8]
        if let width = unsignedCodes[dtype.code] {
            guard bytes.count == width, dtype.byteOrder != ">" else { throw error("malformed numpy scalar") }
            var value: UInt64 = 0
            for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            guard let v = Int(exactly: value) else { throw error("numpy uint64 scalar \(value) does not fit Int") }
            return .int(v)
        }
        let type = try numpyScalarType(dtype)
        guard bytes.count == type.byteWidth else { throw error("numpy scalar has \(bytes.count) bytes") }
        let tensor = HostTensor(scalarType: type, shape: [], bytes: bytes)
        switch type {
        case .bool: return .bool(bytes.first != 0)
        case .float64: return .float(bytes.withUnsafeBytes { $0.loadUnaligned(as: Double.self) })
        case .float32, .float16, .bfloat16: return .float(Double(tensor.floats()[0]))
        case .int64: return .int(Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
        case .int32: return .int(Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        case .int16: return .int(Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: Int16.self) }))
        case .int8: return .int(Int(Int8(bitPattern: bytes[bytes.startIndex])))
        case .uint8: return .int(Int(bytes[bytes.startIndex]))
        }
    }
}
