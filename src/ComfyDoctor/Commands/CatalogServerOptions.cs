using System.CommandLine;
using ComfyDoctor.Server;

namespace ComfyDoctor.Cli.Commands;

/// <summary>The <c>server</c> options of the node catalog: where it is refreshed from, how often, how large a file may be.</summary>
public static class CatalogServerOptions
{
    private static readonly Option<string?> Source = new("--node-catalog-source")
    {
        Description =
            "A folder or http(s) base URL holding ComfyUI-Manager's extension-node-map.json, custom-node-list.json, "
            + "github-stats.json; "
            + "re-read at start and every --node-catalog-refresh (conditional requests; a failed refresh keeps the last good catalog)",
    };

    private static readonly Option<double> RefreshHours = new("--node-catalog-refresh")
    {
        Description = "Hours between refreshes of --node-catalog-source (default 6)",
        DefaultValueFactory = _ => 6,
    };

    private static readonly Option<int> MaxMiB = new("--max-catalog-mb")
    {
        Description = "The largest catalog file an import or refresh takes, in MiB (default 64); larger: 413, nothing stored",
        DefaultValueFactory = _ => 64,
    };

    public static IEnumerable<Option> All => [Source, RefreshHours, MaxMiB];

    public static ServerOptions Apply(ParseResult parse, ServerOptions options)
    {
        var hours = parse.GetValue(RefreshHours);
        var mib = parse.GetValue(MaxMiB);
        if (hours is < 1.0 / 60 or > 24 * 30 || mib is < 1 or > 1024)
        {
            throw new UsageException("--node-catalog-refresh must be between 1/60 and 720 hours, --max-catalog-mb between 1 and 1024");
        }

        return options with
        {
            NodeCatalogSource = parse.GetValue(Source),
            NodeCatalogRefresh = TimeSpan.FromHours(hours),
            MaxCatalogFileBytes = (long)mib << 20,
        };
    }
}
