using Pare.Core.Autograd;
using Pare.Core.Kernels.Elementwise;

namespace Pare.Core.Ops;

// Unary functions run by the scalar PointwiseKernel: trigonometry and rounding (Elementwise.Trig.cs), smooth and
// piecewise activations (Activations.Pointwise.cs). Each op is a function and its derivative in terms of x.
public static partial class Elementwise
{
    // y = f(x), recorded with backward d·f'(x). A null derivative means the op is piecewise constant: its gradient
    // is zero wherever it exists (as PyTorch defines floor, ceil, round and sign).
    private static Tensor Pointwise(Tensor x, string name, Func<float, float> f, Func<float, float>? derivative)
    {
        CheckFloat(x, name);
        var xv = x.IsContiguous ? x.AsSpan<float>() : x.ToArray<float>();
        var result = TensorMemory.Zeroed<float>(x.Count);
        PointwiseKernel.Forward(xv, result, f);
        var y = Tensor.Wrap(result, x.Shape);
        return Tape.Record(y, name, [x], d =>
        {
            if (derivative is null) return [Tensor.Zeros(x.Shape)];
            float[] xs = x.ToArray<float>(), ds = d.ToArray<float>(), dx = new float[xs.Length];
            PointwiseKernel.Backward(xs, ds, dx, derivative);
            return [Tensor.Wrap(dx, x.Shape)];
        });
    }
}
