using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>Fresh installs from real bare git repositories behind file:// URLs (no Python set-up in these packs).</summary>
public sealed class GitPackInstallTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly PackRepo _repo;
    private readonly string _first;
    private readonly string _tagged100;
    private readonly string _tagged110;
    private readonly string _setsVersion120;
    private readonly string _head;

    public GitPackInstallTests()
    {
        _repo = new PackRepo(_sandbox.Root, "KJ-Nodes");
        _first = _repo.Write("__init__.py", PackRepo.NodeSource("OldNode")).Commit("first");
        _tagged100 = _repo.Write("__init__.py", PackRepo.NodeSource("OldNode", "NodeA")).Commit("1.0.0");
        _repo.Tag("v1.0.0");
        _tagged110 = _repo.Write("__init__.py", PackRepo.NodeSource("NodeA", "NodeB")).Commit("1.1.0");
        _repo.Tag("1.1.0");
        _setsVersion120 = _repo.Write("pyproject.toml", "[project]\nname = \"kj-nodes\"\nversion = \"1.2.0\"\n").Commit("bump 1.2.0");
        _repo.Write("README.md", "docs").Commit("docs after the bump");
        _head = _repo.Write("pyproject.toml", "[project]\nname = \"kj-nodes\"\nversion = \"1.3.0\"\n").Commit("bump 1.3.0");
        _repo.Publish();
    }

    public void Dispose() => _sandbox.Dispose();

    private InstallContext Context(bool dryRun = false) => new(_sandbox.ComfyUi, null, dryRun);

    private Task<PackInstallResult> InstallAsync(string? version, string[] types, InstallPolicy? policy = null, string? url = null) =>
        InstallerFactory
            .Installer(policy ?? InstallerFactory.Policy(_repo.Url))
            .InstallAsync(new PackInstallRequest("KJ-Nodes", url ?? _repo.Url, version, types), Context());

    private string InstalledHead() => Cli.Git(Path.Combine(_sandbox.CustomNodes, "KJ-Nodes"), "rev-parse", "HEAD");

    [Fact]
    public async Task Installs_the_default_branch_head_and_leaves_no_staging_folder()
    {
        var progress = new List<InstallProgress>();

        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(_repo.Url))
            .InstallAsync(new PackInstallRequest("KJ-Nodes", _repo.Url, null, ["NodeA", "NodeB"]), Context(), new SyncProgress(progress));

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Null(result.FailedStage);
        Assert.Equal(_head, result.Commit);
        Assert.Equal(_head, InstalledHead());
        Assert.All(result.NodeTypes, t => Assert.Equal(NodeTypeStates.Confirmed, t.State));
        Assert.Equal(["KJ-Nodes"], Directory.GetFileSystemEntries(_sandbox.CustomNodes).Select(Path.GetFileName));
        Assert.Contains(progress, p => p.Stage == InstallStage.Clone);
        Assert.Empty(Cli.Git(Path.Combine(_sandbox.CustomNodes, "KJ-Nodes"), "status", "--porcelain"));
    }

    [Fact]
    public async Task Checks_out_a_full_commit_hash()
    {
        var result = await InstallAsync(_first, ["OldNode"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(_first, InstalledHead());
    }

    [Fact]
    public async Task Checks_out_a_short_commit_hash()
    {
        var result = await InstallAsync(_tagged100[..8], ["NodeA"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(_tagged100, result.Commit);
        Assert.Equal(_tagged100, InstalledHead());
    }

    [Theory]
    [InlineData("1.0.0", 100)]
    [InlineData("v1.0.0", 100)]
    [InlineData("1.1.0", 110)]
    [InlineData("v1.1.0", 110)]
    public async Task Checks_out_a_semver_through_its_tag(string version, int which)
    {
        var result = await InstallAsync(version, ["NodeA"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(which == 100 ? _tagged100 : _tagged110, InstalledHead());
    }

    [Fact]
    public async Task Checks_out_the_commit_that_set_the_pyproject_version_when_there_is_no_tag()
    {
        var result = await InstallAsync("1.2.0", ["NodeB"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(_setsVersion120, InstalledHead());
    }

    [Theory]
    [InlineData("9.9.9", "matches no commit")]
    [InlineData("deadbeef00", "is not in the repository")]
    [InlineData("main; rm -rf /", "neither a commit hash nor a version")]
    public async Task An_unknown_version_fails_at_checkout_and_leaves_custom_nodes_unchanged(string version, string why)
    {
        // strict pins: no nearest older release, no default branch head for a commit that is not there (PinChoiceTests)
        var result = await InstallAsync(version, ["NodeA"], InstallerFactory.Policy(_repo.Url) with { StrictPins = true });

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Checkout, result.FailedStage);
        Assert.Contains(why, result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_type_the_static_reader_cannot_find_is_installed_anyway_and_reported_not_confirmed()
    {
        // Static reading confirms, never refutes (issue 15.1): the pack is installed, the type is yellow with the reason.
        var result = await InstallAsync(_first, ["OldNode", "NodeB"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.True(result.HasUnconfirmed);
        Assert.Equal(_first, InstalledHead());
        Assert.Equal(NodeTypeStates.Confirmed, result.NodeTypes.Single(t => t.NodeType == "OldNode").State);
        var nodeB = result.NodeTypes.Single(t => t.NodeType == "NodeB");
        Assert.Equal(NodeTypeStates.Unconfirmed, nodeB.State);
        Assert.Contains("not named in the pack's Python or JavaScript", nodeB.Evidence, StringComparison.Ordinal);
        Assert.Contains("not confirmed statically: NodeB", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_outside_the_policy_is_skipped_and_never_cloned()
    {
        var result = await InstallAsync(null, ["NodeA"], InstallerFactory.Policy("https://github.com/someone/else"));

        Assert.Equal(InstallOutcome.SkippedByPolicy, result.Outcome);
        Assert.Equal(InstallStage.Policy, result.FailedStage);
        Assert.Contains("not in the catalog", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_mirror_serves_a_github_url_and_origin_keeps_the_catalog_url()
    {
        const string catalogUrl = "https://github.com/test-org/KJ-Nodes";
        var mirror = new GitMirror("https://github.com/test-org/", new Uri(Path.GetDirectoryName(_repo.Bare)! + "/").AbsoluteUri);
        var policy = InstallerFactory.Policy(catalogUrl) with { Mirrors = [mirror] };

        var result = await InstallAsync("v1.0.0", ["NodeA"], policy, catalogUrl + ".git");

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(_tagged100, InstalledHead());
        Assert.Equal(catalogUrl + ".git", Cli.Git(Path.Combine(_sandbox.CustomNodes, "KJ-Nodes"), "config", "--get", "remote.origin.url"));
    }

    [Fact]
    public async Task A_clone_that_fails_leaves_custom_nodes_unchanged()
    {
        var missing = new Uri(_sandbox.Combine("remote", "nope.git")).AbsoluteUri;

        var result = await InstallAsync(null, ["NodeA"], InstallerFactory.Policy(missing), missing);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Clone, result.FailedStage);
        Assert.Contains("git clone failed", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_dry_run_plans_and_changes_nothing()
    {
        var result = await InstallerFactory
            .Installer(InstallerFactory.Policy(_repo.Url))
            .InstallAsync(new PackInstallRequest("KJ-Nodes", _repo.Url, "1.1.0", ["NodeA"]), Context(dryRun: true));

        Assert.Equal(InstallOutcome.Planned, result.Outcome);
        Assert.Contains("would clone", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task An_install_script_forbidden_by_policy_skips_the_pack_before_anything_is_installed()
    {
        _repo.Write("install.py", "raise SystemExit('must not run')\n").Commit("add install.py");
        _repo.Publish();

        var result = await InstallAsync(null, ["NodeA"], InstallerFactory.Policy(_repo.Url) with { AllowInstallScripts = false });

        Assert.Equal(InstallOutcome.SkippedByPolicy, result.Outcome);
        Assert.Equal(InstallStage.InstallScript, result.FailedStage);
        Assert.Contains("forbids install scripts", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_disabled_copy_of_the_pack_is_not_overwritten()
    {
        Directory.CreateDirectory(Path.Combine(_sandbox.CustomNodes, "KJ-Nodes.disabled"));
        var before = _sandbox.CustomNodesListing();

        var result = await InstallAsync(null, ["NodeA"]);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Contains("KJ-Nodes.disabled is already there", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, _sandbox.CustomNodesListing());
    }

    private sealed class SyncProgress(List<InstallProgress> sink) : IProgress<InstallProgress>
    {
        public void Report(InstallProgress value) => sink.Add(value);
    }
}
