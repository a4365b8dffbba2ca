namespace Pare.Nn.Training;

/// <summary>What a data set holds, and so which model presets can train on it.</summary>
public enum DataKind
{
    /// <summary>Grey-scale 28×28 images in 10 classes, inputs (N, 1, 28, 28) float32 (Fashion-MNIST, MNIST).</summary>
    Gray28Images,

    /// <summary>RGB 32×32 images in 10 classes, inputs (N, 3, 32, 32) float32 (CIFAR-10).</summary>
    Rgb32Images,

    /// <summary>Labelled sentences as word ids, inputs (N, T) int64 with 0 = padding (SST-2).</summary>
    WordSequences,

    /// <summary>A character-level text corpus for language modelling (tiny-shakespeare).</summary>
    CharText,
}
