namespace Pare.Core.Kernels.Gemm;

/// <summary>Work a GEMM caller wants done on finished pieces of C: called once per block of C (at most MB×NB, in
/// L2) after its last k block is stored, on the thread that computed it (a convolution adds its bias and applies
/// its activation here instead of in serial passes over the whole output afterwards). Must be elementwise, so the
/// result does not depend on the block grid or the thread count.</summary>
internal unsafe interface IGemmEpilogue
{
    /// <summary>Finishes rows [row, row + rows) × columns [col, col + cols) of C.</summary>
    /// <param name="c">C[row, col]</param>
    /// <param name="ldc">leading dimension of C</param>
    /// <param name="row">first row</param>
    /// <param name="rows">row count</param>
    /// <param name="col">first column</param>
    /// <param name="cols">column count</param>
    void Apply(float* c, int ldc, int row, int rows, int col, int cols);
}
