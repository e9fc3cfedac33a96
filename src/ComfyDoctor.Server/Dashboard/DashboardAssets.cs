namespace ComfyDoctor.Server.Dashboard;

/// <summary>The dashboard's stylesheet and its one script, shipped inside the assembly (nothing is fetched at run time).</summary>
public static class DashboardAssets
{
    public static string Css { get; } = Read("dashboard.css");

    /// <summary>The repair page's live progress: an EventSource on the repair's server-sent events.</summary>
    public static string LiveProgressScript { get; } = Read("live-progress.js");

    private static string Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"ComfyDoctor.Server.Dashboard.Assets.{name}")
            ?? throw new InvalidOperationException($"missing embedded asset {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
