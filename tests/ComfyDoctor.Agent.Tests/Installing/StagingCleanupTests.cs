using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

public sealed class StagingCleanupTests : IDisposable
{
    private readonly Sandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string Folder(string name, DateTime lastWrite)
    {
        var path = Path.Combine(_sandbox.CustomNodes, name);
        Directory.CreateDirectory(Path.Combine(path, "sub"));
        File.WriteAllText(Path.Combine(path, "sub", "f.py"), "x");
        Directory.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }

    [Fact]
    public void Only_our_stale_staging_folders_are_removed()
    {
        var now = new DateTimeOffset(2025, 1, 2, 12, 0, 0, TimeSpan.Zero);
        Folder(".comfydoctor-staging-Pack-1234abcd.disabled", now.UtcDateTime.AddDays(-1));
        Folder(".comfydoctor-staging-Pack-fresh000.disabled", now.UtcDateTime.AddMinutes(-5));
        Folder("SomePack.disabled", now.UtcDateTime.AddDays(-30));
        Folder("SomePack", now.UtcDateTime.AddDays(-30));

        var removed = StagingCleanup.RemoveStale(_sandbox.CustomNodes, TimeSpan.FromHours(6), now);

        Assert.Equal([".comfydoctor-staging-Pack-1234abcd.disabled"], removed);
        Assert.Equal(
            [".comfydoctor-staging-Pack-fresh000.disabled", "SomePack", "SomePack.disabled"],
            Directory.GetDirectories(_sandbox.CustomNodes).Select(Path.GetFileName).Order(StringComparer.Ordinal)
        );
    }
}
