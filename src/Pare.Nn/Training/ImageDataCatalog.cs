using Pare.Nn.Data;

namespace Pare.Nn.Training;

/// <summary>The named image data sets the trainer and the command-line tool know, with where to find them:
/// <c>fashion-mnist</c> (Debian's dataset-fashion-mnist), <c>fashion-mnist-subset</c> (4,000/1,000 images
/// embedded in the repository's data/ folder and copied beside the tool), <c>mnist</c> (../shared/data/mnist10k
/// for training, ../shared/data/mnist for testing, beside the repository). All use Fashion-MNIST's
/// normalization (x/255 − 0.2860)/0.3530, as ../shared/peers/torch_train.py.</summary>
public static class ImageDataCatalog
{
    /// <summary>Known data set names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fashion-mnist", "fashion-mnist-subset", "mnist"];

    /// <summary>Loads the training and test sets of <paramref name="name"/>.</summary>
    /// <param name="name">one of <see cref="Names"/></param>
    /// <param name="searchFrom">folders to start the search for the repository (data/, ../shared) from;
    /// default: the current directory (so a repository checkout uses its own files), then the application's base
    /// directory (where the tool carries the embedded subset)</param>
    /// <exception cref="ArgumentException">unknown name; the message lists the known ones</exception>
    /// <exception cref="FileNotFoundException">a file is missing; the message names it and how to get it</exception>
    /// <exception cref="InvalidDataException">a file is corrupt; the message names it</exception>
    public static (LabeledImages Train, LabeledImages Test) Load(string name, IReadOnlyList<string>? searchFrom = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        searchFrom ??= [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];
        return name switch
        {
            "fashion-mnist" => LoadPair(ImageDatasets.FashionMnistRoot, "train", ImageDatasets.FashionMnistRoot, "t10k",
                "install it with: sudo apt-get install dataset-fashion-mnist"),
            "fashion-mnist-subset" => LoadSubset(searchFrom),
            "mnist" => LoadMnist(searchFrom),
            _ => throw new ArgumentException($"unknown data set '{name}'; known data sets: {string.Join(", ", Names)}", nameof(name)),
        };
    }

    private static (LabeledImages, LabeledImages) LoadSubset(IReadOnlyList<string> searchFrom)
    {
        const string Relative = "data/fashion-mnist-subset";
        // data/ directly under a start folder (a repository root, or the tool's folder, where the csproj copies the
        // files), then data/ of a repository above one.
        var dir = searchFrom.Select(s => Path.Combine(s, Relative)).FirstOrDefault(Directory.Exists)
            ?? FindUp(searchFrom, Relative)
            ?? throw new FileNotFoundException(
                $"the embedded data set {Relative} was found neither beside the tool ({Path.Combine(AppContext.BaseDirectory, Relative)}) nor in a repository above {string.Join(" or ", searchFrom)}");
        return LoadPair(dir, "train", dir, "t10k", $"it belongs to the repository's {Relative}");
    }

    private static (LabeledImages, LabeledImages) LoadMnist(IReadOnlyList<string> searchFrom)
    {
        var shared = FindUp(searchFrom, "../shared/data")
            ?? throw new FileNotFoundException($"MNIST needs ../shared/data (mnist10k, mnist) beside the repository; not found above {string.Join(" or ", searchFrom)}");
        return LoadPair(Path.Combine(shared, "mnist10k"), "train10k", Path.Combine(shared, "mnist"), "t10k", "it belongs to ../shared/data");
    }

    /// <summary>The first folder "ancestor/<paramref name="relative"/>" that exists, for ancestors of the start
    /// folders that hold Pare.slnx.</summary>
    private static string? FindUp(IReadOnlyList<string> starts, string relative)
    {
        foreach (var start in starts)
        {
            for (var d = new DirectoryInfo(Path.GetFullPath(start)); d is not null; d = d.Parent)
            {
                if (!File.Exists(Path.Combine(d.FullName, "Pare.slnx"))) continue;
                var candidate = Path.GetFullPath(Path.Combine(d.FullName, relative));
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static (LabeledImages, LabeledImages) LoadPair(string trainDir, string trainPrefix, string testDir, string testPrefix, string hint)
    {
        var (mean, std) = ImageDatasets.FashionMnistStats;
        var files = new[]
        {
            Path.Combine(trainDir, $"{trainPrefix}-images-idx3-ubyte.gz"), Path.Combine(trainDir, $"{trainPrefix}-labels-idx1-ubyte.gz"),
            Path.Combine(testDir, $"{testPrefix}-images-idx3-ubyte.gz"), Path.Combine(testDir, $"{testPrefix}-labels-idx1-ubyte.gz"),
        };
        foreach (var f in files)
            if (!File.Exists(f)) throw new FileNotFoundException($"data file not found: {f} ({hint})", f);
        return (ImageDatasets.LoadIdx(files[0], files[1], mean, std), ImageDatasets.LoadIdx(files[2], files[3], mean, std));
    }
}
