import Foundation

/// torchrun's environment contract: where this process sits in a distributed job. `torchrun --no-python
/// --nproc-per-node N gradstyle train …` and `gradstyle train … --nproc N` both start processes with it.
public struct DistributedEnvironment: Equatable, Sendable {
    /// Global rank of this process, 0 ..< worldSize. Rank 0 hosts the store and is the only writer.
    public var rank: Int
    public var worldSize: Int
    /// Rank on this machine: which GPU to take.
    public var localRank: Int
    /// Where rank 0 hosts the rendezvous store.
    public var masterAddress: String
    public var masterPort: Int
    /// Set under torchrun: its agent already hosts the store at MASTER_ADDR:MASTER_PORT
    /// (TORCHELASTIC_USE_AGENT_STORE=True), so every rank joins it as a client, with keys under this prefix
    /// ("/worker/attempt_" + TORCHELASTIC_RESTART_COUNT), as PyTorch's own ranks do.
    public var agentStorePrefix: String?

    public init(rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: Int,
                agentStorePrefix: String? = nil) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
        self.masterAddress = masterAddress
        self.masterPort = masterPort
        self.agentStorePrefix = agentStorePrefix
    }

    /// The variable names, as torchrun sets them.
    public static let variableNames = ["RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"]

    /// Reads the contract from `environment`: nil when WORLD_SIZE is unset (a plain single process). Any
    /// variable present but wrong (or missing beside WORLD_SIZE) is an error naming it.
    public static func from(_ environment: [String: String]) throws -> DistributedEnvironment? {
        guard let worldText = environment["WORLD_SIZE"] else { return nil }
        func integer(_ name: String, default fallback: Int? = nil) throws -> Int {
            guard let text = environment[name] else {
                if let fallback { return fallback }
                throw PipelineError("\(name) is not set (WORLD_SIZE=\(worldText) asks for a distributed run)")
            }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw PipelineError("\(name)=\(text) is not an integer")
            }
            return value
        }
        let world = try integer("WORLD_SIZE")
        guard world >= 1 else { throw PipelineError("WORLD_SIZE=\(worldText) must be at least 1") }
        let rank = try integer("RANK")
        guard (0..<world).contains(rank) else { throw PipelineError("RANK=\(rank) is outside 0..<\(world) (WORLD_SIZE)") }
        let localRank = try integer("LOCAL_RANK", default: rank)
        guard localRank >= 0 else { throw PipelineError("LOCAL_RANK=\(localRank) must not be negative") }
        let address = environment["MASTER_ADDR"].map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !address.isEmpty else { throw PipelineError("MASTER_ADDR is not set (the host of rank 0)") }
        let port = try integer("MASTER_PORT")
        guard (1...65535).contains(port) else { throw PipelineError("MASTER_PORT=\(port) is outside 1...65535") }
        let agentStore = environment["TORCHELASTIC_USE_AGENT_STORE"] == "True"
        let attempt = environment["TORCHELASTIC_RESTART_COUNT"].flatMap { Int($0) } ?? 0
        return DistributedEnvironment(rank: rank, worldSize: world, localRank: localRank, masterAddress: address,
                                      masterPort: port, agentStorePrefix: agentStore ? "/worker/attempt_\(attempt)" : nil)
    }

    /// The variables a child process needs to take this place in the job.
    public var variables: [String: String] {
        ["RANK": "\(rank)", "WORLD_SIZE": "\(worldSize)", "LOCAL_RANK": "\(localRank)",
         "MASTER_ADDR": masterAddress, "MASTER_PORT": "\(masterPort)"]
    }
}
