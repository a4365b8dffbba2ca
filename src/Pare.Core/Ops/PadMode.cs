namespace Pare.Core.Ops;

/// <summary>How <see cref="Assembly.Pad"/> fills the border.</summary>
public enum PadMode
{
    /// <summary>A fixed value.</summary>
    Constant,
    /// <summary>Mirror without repeating the edge: (a b c) padded by 2 on the left is (c b a b c).</summary>
    Reflect,
    /// <summary>Repeat the edge element: (a b c) padded by 2 on the left is (a a a b c).</summary>
    Replicate,
    /// <summary>Wrap around (circular): (a b c) padded by 2 on the left is (b c a b c).</summary>
    Wrap,
}
