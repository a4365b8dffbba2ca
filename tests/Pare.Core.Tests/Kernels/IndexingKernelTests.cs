using Pare.Core.Kernels.Indexing;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>Block-copy and vector-add paths of the indexing kernels against their element-by-element twins, for
/// every row length 0..257 and unaligned spans with special values. All are exact: copies and single adds
/// round the same way in both.</summary>
public class IndexingKernelTests
{
    private static int[] Indices(int count, int n, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, count).Select(_ => Math.Min(n - 1, (int)(rng.NextFloat() * n))).ToArray();
    }

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Row_gather_matches_reference(int inner)
    {
        const int Outer = 2, N = 3;
        var src = KernelCases.Values(Outer * N * inner, (ulong)inner, withSpecials: true);
        var index = Indices(5, N, (ulong)inner + 1);
        var fast = new float[Outer * 5 * inner];
        var slow = new float[fast.Length];
        RowGather.Forward<float>(src.Span, Outer, N, inner, index, fast);
        RowGather.ForwardReference<float>(src.Span, Outer, N, inner, index, slow);
        KernelCases.AssertClose(slow, fast, Tolerance.Exact, Tolerance.Exact, "row gather");
    }

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Row_scatter_add_matches_reference(int inner)
    {
        const int Outer = 2, N = 3, M = 6;
        var dDst = KernelCases.Values(Outer * M * inner, (ulong)inner + 7, withSpecials: true);
        var index = Indices(M, N, (ulong)inner + 3);
        var fast = KernelCases.Values(Outer * N * inner, (ulong)inner + 5).ToArray();
        var slow = (float[])fast.Clone();
        RowGather.Backward(dDst.Span, Outer, N, inner, index, fast);
        RowGather.BackwardReference(dDst.Span, Outer, N, inner, index, slow);
        KernelCases.AssertClose(slow, fast, Tolerance.Exact, Tolerance.Exact, "row scatter-add");
    }

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Pad_matches_reference(int width)
    {
        // Constant with padding and cropping, then replicate, on a (2, width) input.
        int[][][] mapsList =
        [
            [[-1, 0, 1, -1], Map(width, 3, 2, i => i >= 0 && i < width ? i : -1)],
            [[1], Map(width, -1, 4, i => i >= 0 && i < width ? i : -1)],
            [[0, 0, 1], width == 0 ? [] : Map(width, 2, 3, i => Math.Clamp(i, 0, width - 1))],
        ];
        var src = KernelCases.Values(2 * width, (ulong)width + 9, withSpecials: true);
        foreach (var maps in mapsList)
        {
            if (maps[1].Length == 0 && width == 0) continue;
            int count = maps[0].Length * maps[1].Length;
            var fast = new float[count];
            var slow = new float[count];
            PadKernel.Forward(src.Span, [2, width], maps, 0.25f, fast);
            PadKernel.ForwardReference(src.Span, [2, width], maps, 0.25f, slow);
            KernelCases.AssertClose(slow, fast, Tolerance.Exact, Tolerance.Exact, "pad forward");

            var dDst = KernelCases.Values(count, (ulong)width + 13, withSpecials: true);
            var dFast = new float[2 * width];
            var dSlow = new float[2 * width];
            PadKernel.Backward(dDst.Span, [2, width], maps, dFast);
            PadKernel.BackwardReference(dDst.Span, [2, width], maps, dSlow);
            KernelCases.AssertClose(dSlow, dFast, Tolerance.Exact, Tolerance.Exact, "pad backward");
        }
    }

    private static int[] Map(int n, int before, int after, Func<int, int> source) =>
        Enumerable.Range(0, Math.Max(0, n + before + after)).Select(o => source(o - before)).ToArray();
}
