import CTorch

extension Tensor {
    /// Matrix product with broadcasting, as torch.matmul.
    public func matmul(_ other: Tensor) -> Tensor { binaryCall(other) { ct_matmul($0, $1) } }
    /// Batched matrix product of B×N×M and B×M×P.
    public func bmm(_ other: Tensor) -> Tensor { binaryCall(other) { ct_bmm($0, $1) } }

    /// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.
    public func symmetricEigen() -> (values: Tensor, vectors: Tensor) {
        pairCall { ct_linalg_eigh($0, &$1, &$2) }
    }

    /// The singular values (descending) of a matrix, as torch.linalg.svdvals.
    public func singularValues() -> Tensor { unaryCall { ct_linalg_svdvals($0) } }

    /// The real parts of a general square matrix's eigenvalues.
    public func eigenvaluesReal() -> Tensor { unaryCall { ct_linalg_eigvals_real($0) } }
}
