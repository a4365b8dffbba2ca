using System.Globalization;

namespace Pare.Cli.Commands;

/// <summary>Parses repeated <c>--dim NAME=VALUE</c> options into a binding of symbolic dimensions.</summary>
internal static class DimBindings
{
    public static Dictionary<string, long> Parse(IEnumerable<string>? items)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var eq = item.LastIndexOf('=');
            if (eq <= 0 || !long.TryParse(item.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                throw new ArgumentException($"--dim '{item}': expected NAME=VALUE with VALUE a non-negative integer");
            result[item[..eq]] = value;
        }
        return result;
    }
}
