import Foundation

/// torchrun's environment contract: where this process sits in a distributed job. `torchrun --no-python
/// --nproc-per-node N gradstyle train …` and `gradstyle train … --nproc N` both start processes with it.
public struct DistributedEnvironment: Equatable, Sendable {
    /// Global rank of this process, 0 ..< worldSize. Rank 0 hosts the store and is the only writer.
    public var rank: Int
    public var worldSize: Int
    /// Rank on this machine: which GPU to take.
    public var localRank: Int
    /// The host of rank 0 (MASTER_ADDR), and the port torchrun's environment names (MASTER_PORT).
    public var masterAddress: String
    public var masterPort: Int
    /// Where rank 0 hosts the rendezvous store (c10d's TCPStore): MASTER_PORT, or MASTER_PORT + 1 under a torchrun
    /// whose agent already listens on MASTER_PORT with its own store (TORCHELASTIC_USE_AGENT_STORE=True). Our ranks
    /// never join the agent's store: PyTorch 2's TCPStore speaks another wire protocol (a VALIDATE query first,
    /// every query code shifted by one) than libtorch 1.13's client, so a 1.13 rank cannot talk to a 2.x agent.
    public var storePort: Int

    public init(rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: Int,
                storePort: Int? = nil) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
        self.masterAddress = masterAddress
        self.masterPort = masterPort
        self.storePort = storePort ?? masterPort
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
        // torchrun's agent holds MASTER_PORT (see `storePort`); rank 0 of the job hosts the store on the next port.
        let agentHoldsPort = environment["TORCHELASTIC_USE_AGENT_STORE"] == "True"
        if agentHoldsPort, port == 65535 {
            throw PipelineError("MASTER_PORT=65535 leaves no port for the rendezvous store (torchrun's agent holds " +
                                    "MASTER_PORT, rank 0 hosts the store on MASTER_PORT+1): pick a lower --master-port")
        }
        return DistributedEnvironment(rank: rank, worldSize: world, localRank: localRank, masterAddress: address,
                                      masterPort: port, storePort: agentHoldsPort ? port + 1 : port)
    }

    /// The variables a child process needs to take this place in the job.
    public var variables: [String: String] {
        ["RANK": "\(rank)", "WORLD_SIZE": "\(worldSize)", "LOCAL_RANK": "\(localRank)",
         "MASTER_ADDR": masterAddress, "MASTER_PORT": "\(masterPort)"]
    }
}
