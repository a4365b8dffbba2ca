using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class ScanTests
{
    [Fact]
    public void CumSum_variants_on_a_row()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f, 4f, 5f]);
        Assert.Equal([1f, 3f, 6f, 10f, 15f], Scan.CumSum(x, 0).ToArray<float>());
        Assert.Equal([0f, 1f, 3f, 6f, 10f], Scan.CumSum(x, 0, exclusive: true).ToArray<float>());
        Assert.Equal([15f, 14f, 12f, 9f, 5f], Scan.CumSum(x, 0, reverse: true).ToArray<float>());
        Assert.Equal([14f, 12f, 9f, 5f, 0f], Scan.CumSum(x, 0, exclusive: true, reverse: true).ToArray<float>());
    }

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(1, true, false)]
    [InlineData(-1, false, true)]
    [InlineData(1, true, true)]
    public void CumSum_matches_a_naive_scan(int axis, bool exclusive, bool reverse)
    {
        var x = Tensor.Uniform(new Shape(3, 5, 4), -2f, 2f, new Rng(7));
        var y = Scan.CumSum(x, axis, exclusive, reverse).ToArray<float>();
        var xs = x.ToArray<float>();
        int a = axis < 0 ? axis + 3 : axis;
        int[] dims = [3, 5, 4];
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= dims[i];
        for (int i = a + 1; i < 3; i++) inner *= dims[i];
        int n = dims[a];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                for (int j = 0; j < n; j++)
                {
                    double want = 0;
                    for (int k = 0; k < n; k++)
                    {
                        bool take = reverse ? (exclusive ? k > j : k >= j) : (exclusive ? k < j : k <= j);
                        if (take) want += xs[(o * n + k) * inner + i];
                    }
                    Assert.Equal(want, y[(o * n + j) * inner + i], Tolerance.TorchAbsolute);
                }
    }

    [Fact]
    public void CumSum_rejects_a_scalar_and_a_bad_axis()
    {
        Assert.Throws<ArgumentException>(() => Scan.CumSum(Tensor.Scalar(1f), 0));
        Assert.ThrowsAny<ArgumentException>(() => Scan.CumSum(Tensor.Zeros(new Shape(2, 3)), 2));
    }

    [Fact]
    [GradCheck("cumsum")]
    public void CumSum_gradient()
    {
        var rng = new Rng(3);
        foreach (var (exclusive, reverse) in new[] { (false, false), (true, false), (false, true), (true, true) })
            GradCheck.Check(xs => Scan.CumSum(xs[0], 1, exclusive, reverse), [Tensor.Normal(new Shape(2, 4, 3), 0, 1, rng)]);
    }
}
