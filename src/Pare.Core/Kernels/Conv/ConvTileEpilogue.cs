using Pare.Core.Kernels.Gemm;

namespace Pare.Core.Kernels.Conv;

/// <summary>The bias and <see cref="ConvOutputStage"/> of one convolution GEMM (one image or band, one group), run by
/// the GEMM on each finished block of C: row r of C is output channel <see cref="Channel0"/> + r, and the residual (if any)
/// has C's layout (same leading dimension, <see cref="Z"/> at C[0, 0]).</summary>
internal sealed unsafe class ConvTileEpilogue(ConvOutputStage stage, float* bias, int channel0, float* z) : IGemmEpilogue
{
    /// <summary>Output channel of C's row 0.</summary>
    public int Channel0 { get; } = channel0;

    /// <summary>Residual at C[0, 0], or null.</summary>
    public float* Z { get; } = z;

    /// <inheritdoc/>
    public void Apply(float* c, int ldc, int row, int rows, int col, int cols) =>
        stage.ApplyTile(c, ldc, rows, cols, bias == null ? null : bias + Channel0 + row, Z == null ? null : Z + (long)row * ldc + col);
}
