using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>Installs from a Comfy-Registry-compatible API served by a real HTTP server on 127.0.0.1.</summary>
public sealed class RegistryInstallTests : IDisposable
{
    private const string CatalogUrl = "https://github.com/test-org/reg-pack";
    private readonly Sandbox _sandbox = new();
    private readonly RegistryServer _server = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _sandbox.Dispose();
    }

    private static byte[] PackZip(string version, params string[] types) =>
        RegistryServer.Zip(
            ("__init__.py", PackRepo.NodeSource(types)),
            ("pyproject.toml", $"[project]\nname = \"reg-pack\"\nversion = \"{version}\"\n"),
            ("web/", ""),
            ("web/ui.js", "// ui\n")
        );

    private Task<PackInstallResult> InstallAsync(string? version, string[] types, bool dryRun = false)
    {
        var registry = new RegistryClient(_http, new RegistrySource("test-registry", _server.BaseUrl));
        return InstallerFactory
            .Installer(InstallerFactory.Policy(CatalogUrl), registry)
            .InstallAsync(
                new PackInstallRequest("reg-pack", CatalogUrl, version, types, RegistryId: "reg-pack"),
                new InstallContext(_sandbox.ComfyUi, null, dryRun)
            );
    }

    private string PackFile(params string[] parts) => Path.Combine([_sandbox.CustomNodes, "reg-pack", .. parts]);

    [Fact]
    public async Task Downloads_extracts_and_tracks_the_files_like_ComfyUI_Manager()
    {
        _server.Publish("reg-pack", "1.0.0", PackZip("1.0.0", "RegNode"));

        var result = await InstallAsync("1.0.0", ["RegNode"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Contains("/nodes/reg-pack/install?version=1.0.0", _server.Requests);
        Assert.Equal("// ui\n", File.ReadAllText(PackFile("web", "ui.js")));
        Assert.Equal("__init__.py\npyproject.toml\nweb/\nweb/ui.js", File.ReadAllText(PackFile(".tracking")));
        Assert.Equal(["reg-pack"], Directory.GetFileSystemEntries(_sandbox.CustomNodes).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "comfydoctor-reg-pack-*.zip"));
    }

    [Fact]
    public async Task A_zip_with_an_escaping_entry_is_refused_and_nothing_is_extracted()
    {
        _server.Publish("reg-pack", "1.0.0", RegistryServer.Zip(("__init__.py", PackRepo.NodeSource("RegNode")), ("../evil.py", "pwned")));

        var result = await InstallAsync("1.0.0", ["RegNode"]);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Download, result.FailedStage);
        Assert.Contains("'../evil.py' refused", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
        Assert.False(File.Exists(Path.Combine(_sandbox.ComfyUi, "evil.py")));
    }

    [Fact]
    public async Task An_unknown_version_fails_at_download_naming_the_url()
    {
        var result = await InstallAsync("7.7.7", ["RegNode"]);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Download, result.FailedStage);
        Assert.Contains("/nodes/reg-pack/install?version=7.7.7 answered 404", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_zip_whose_type_is_not_found_statically_is_installed_with_the_type_not_confirmed()
    {
        _server.Publish("reg-pack", "1.0.0", PackZip("1.0.0", "OtherNode"));

        var result = await InstallAsync("1.0.0", ["RegNode"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(Core.Nodes.NodeTypeStates.Unconfirmed, Assert.Single(result.NodeTypes).State);
    }

    [Fact]
    public async Task The_installed_version_is_already_present_and_another_replaces_it_whole()
    {
        _server.Publish("reg-pack", "1.0.0", PackZip("1.0.0", "RegNode"));
        _server.Publish(
            "reg-pack",
            "2.0.0",
            RegistryServer.Zip(
                ("__init__.py", PackRepo.NodeSource("RegNode", "RegNode2")),
                ("pyproject.toml", "[project]\nname = \"reg-pack\"\nversion = \"2.0.0\"\n")
            )
        );
        Assert.Equal(InstallOutcome.Installed, (await InstallAsync("1.0.0", ["RegNode"])).Outcome);

        var again = await InstallAsync("1.0.0", ["RegNode"]);
        var updated = await InstallAsync("2.0.0", ["RegNode2"]);

        Assert.Equal(InstallOutcome.AlreadyPresent, again.Outcome);
        Assert.Equal(InstallOutcome.Updated, updated.Outcome);
        Assert.False(File.Exists(PackFile("web", "ui.js")));
        Assert.Equal("__init__.py\npyproject.toml", File.ReadAllText(PackFile(".tracking")));
        Assert.Equal(["reg-pack"], Directory.GetFileSystemEntries(_sandbox.CustomNodes).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_dry_run_asks_nothing_and_changes_nothing()
    {
        var result = await InstallAsync("1.0.0", ["RegNode"], dryRun: true);

        Assert.Equal(InstallOutcome.Planned, result.Outcome);
        Assert.Contains("would download reg-pack@1.0.0 from test-registry", result.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_registry_pack_outside_the_policy_is_skipped_without_a_request()
    {
        var registry = new RegistryClient(_http, new RegistrySource("test-registry", _server.BaseUrl));

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(), registry)
            .InstallAsync(
                new PackInstallRequest("reg-pack", "https://github.com/stranger/reg-pack", "1.0.0", ["RegNode"], RegistryId: "reg-pack"),
                new InstallContext(_sandbox.ComfyUi, null)
            );

        Assert.Equal(InstallOutcome.SkippedByPolicy, result.Outcome);
        Assert.Empty(_server.Requests);
    }
}
