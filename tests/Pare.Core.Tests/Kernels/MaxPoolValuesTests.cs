using Pare.Core.Kernels.Pool;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

public class MaxPoolValuesTests
{
    // MNIST's 3×3 stride-3 pool, windows of every size and stride without padding (the SIMD row path, with row
    // widths around the vector length), a 2×2 stride-2 pool (MaxPool2x2) and padded / dilated / ceil-mode pools (the scan)
    public static TheoryData<PoolGeometry> Geometries => new()
    {
        new PoolGeometry(16, 14, 14, 3, 3, 3, 3),
        new PoolGeometry(3, 9, 9, 3, 3, 2, 2),
        new PoolGeometry(2, 7, 23, 2, 3, 1, 1),
        new PoolGeometry(5, 4, 17, 1, 4, 1, 4),
        new PoolGeometry(1, 5, 8, 5, 2, 5, 1),
        new PoolGeometry(2, 6, 40, 3, 5, 1, 3),
        new PoolGeometry(4, 28, 28, 2, 2, 2, 2),
        new PoolGeometry(2, 11, 13, 3, 3, 2, 2, 1, 1),
        new PoolGeometry(2, 12, 12, 3, 3, 2, 2, 0, 0, 2, 2),
        new PoolGeometry(3, 10, 10, 3, 3, 2, 2, 1, 1, 1, 1, true),
    };

    [Theory, MemberData(nameof(Geometries))]
    public void ValuesEqualTheReferenceBitForBit(PoolGeometry g)
    {
        int inCount = g.Planes * g.InHeight * g.InWidth, outCount = g.Planes * g.OutHeight * g.OutWidth;
        var x = KernelCases.Values(inCount, (ulong)inCount, -2f, 2f).ToArray();
        // ties of +0 and −0 (the first of the largest wins), NaNs (the last one wins) and −∞
        var rng = new Rng(3);
        for (int i = 0; i < inCount; i += 5) x[i] = rng.NextInt(2) == 0 ? 0f : -0f;
        for (int i = 2; i < inCount; i += 31) x[i] = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00000) | i);
        for (int i = 4; i < inCount; i += 13) x[i] = float.NegativeInfinity;
        for (int i = 1; i < inCount; i += 3) x[i] = -Math.Abs(x[i]) - 3f; // many windows whose maximum is a zero
        float[] y = new float[outCount], yRef = new float[outCount];
        int[] atRef = new int[outCount];
        MaxPool2dValues.Forward(g, x, y);
        PoolReference.MaxForward(g, x, yRef, atRef);
        for (int i = 0; i < outCount; i++)
            Assert.True(BitConverter.SingleToInt32Bits(yRef[i]) == BitConverter.SingleToInt32Bits(y[i]), $"{g}: output {i} is {y[i]}, reference {yRef[i]}");
    }
}
