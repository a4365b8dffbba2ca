using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>Pooling over (N, C, H, W): max, average or global average.</summary>
public sealed class Pool : Module
{
    private readonly Func<Tensor, Tensor> _f;

    private Pool(Func<Tensor, Tensor> f) => _f = f;

    /// <summary>Max pooling with a square window (stride defaults to the window).</summary>
    public static Pool Max(int kernel, int? stride = null, int padding = 0) => new(x => Pooling.MaxPool2d(x, kernel, stride, padding));

    /// <summary>Average pooling with a square window.</summary>
    public static Pool Average(int kernel, int? stride = null, int padding = 0) => new(x => Pooling.AvgPool2d(x, kernel, stride, padding));

    /// <summary>Mean over H and W, keeping (N, C, 1, 1).</summary>
    public static Pool GlobalAverage() => new(Pooling.GlobalAvgPool2d);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => _f(x);
}
