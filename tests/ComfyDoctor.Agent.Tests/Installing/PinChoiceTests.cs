using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>
/// Several pins for one pack, and pins that name no release (issue 15.1), against a real repository with releases
/// v7.5.0, v7.5.1 and v7.6.0 (tags), and 8.1.0 set only in pyproject.toml.
/// </summary>
public sealed class PinChoiceTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly PackRepo _repo;
    private readonly string _v751;
    private readonly string _v760;
    private readonly string _set810;

    public PinChoiceTests()
    {
        _repo = new PackRepo(_sandbox.Root, "Impact");
        _repo.Write("__init__.py", PackRepo.NodeSource("Detailer")).Commit("7.5.0");
        _repo.Tag("v7.5.0");
        _v751 = _repo.Write("fix.py", "# fix\n").Commit("7.5.1");
        _repo.Tag("v7.5.1");
        _v760 = _repo.Write("more.py", "# more\n").Commit("7.6");
        _repo.Tag("v7.6.0");
        _set810 = _repo.Write("pyproject.toml", "[project]\nname = \"impact\"\nversion = \"8.1.0\"\n").Commit("bump 8.1.0");
        _repo.Write("README.md", "after the bump").Commit("docs");
        _repo.Publish();
    }

    public void Dispose() => _sandbox.Dispose();

    private Task<PackInstallResult> InstallAsync(string version, string[] others, bool strict = false) =>
        InstallerFactory
            .Installer(InstallerFactory.Policy(_repo.Url) with { StrictPins = strict })
            .InstallAsync(
                new PackInstallRequest("Impact", _repo.Url, version, ["Detailer"]) { OtherVersions = others },
                new InstallContext(_sandbox.ComfyUi, null)
            );

    private string InstalledHead() => Cli.Git(Path.Combine(_sandbox.CustomNodes, "Impact"), "rev-parse", "HEAD");

    [Fact]
    public async Task When_the_first_pin_is_not_in_the_repository_the_next_one_is_taken()
    {
        var result = await InstallAsync("0123456789abcdef0123456789abcdef01234567", [_v751[..10], "v7.6.0"]);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(_v751, InstalledHead());
        Assert.Contains(
            "pin 0123456789abcdef0123456789abcdef01234567 is not in the repository; took " + _v751[..10],
            result.VersionNote,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task A_pin_the_repository_has_is_met_without_a_note()
    {
        var result = await InstallAsync("7.6.0", ["7.5.1"]);

        Assert.Equal(_v760, InstalledHead());
        Assert.Null(result.VersionNote);
    }

    [Fact]
    public async Task A_semver_never_released_installs_the_nearest_older_release_and_names_both()
    {
        var result = await InstallAsync("7.5.2", []);

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(_v751, InstalledHead());
        Assert.Equal(
            "node.version-mismatch: 7.5.2 was never tagged or released; installed v7.5.1 (tag v7.5.1), the nearest older release",
            result.VersionNote
        );
        Assert.Contains(result.VersionNote!, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pyproject_version_counts_as_a_release_and_a_major_version_is_never_crossed()
    {
        var within = await InstallAsync("8.2.0", []);
        Assert.Equal(_set810, InstalledHead());
        Assert.Contains("installed 8.1.0 (pyproject.toml)", within.VersionNote, StringComparison.Ordinal);

        Directory.Delete(Path.Combine(_sandbox.CustomNodes, "Impact"), recursive: true);
        var across = await InstallAsync("9.0.1", []); // 8.1.0 is older, but another major version

        Assert.Equal(InstallOutcome.Failed, across.Outcome);
        Assert.Equal(InstallStage.Checkout, across.FailedStage);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task Strict_pins_refuse_a_version_that_was_never_released_and_leave_nothing_behind()
    {
        var result = await InstallAsync("7.5.2", [], strict: true);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Checkout, result.FailedStage);
        Assert.Contains("version 7.5.2 matches no commit", result.Message, StringComparison.Ordinal);
        Assert.Contains("strict pins: no nearest older release or default branch head is taken", result.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task An_existing_checkout_at_any_of_the_pins_is_already_present()
    {
        Cli.Git(_sandbox.CustomNodes, "clone", "--quiet", _repo.Url, "Impact");
        Cli.Git(Path.Combine(_sandbox.CustomNodes, "Impact"), "checkout", "--quiet", "v7.5.1");

        var result = await InstallAsync("7.6.0", ["7.5.1"]);

        Assert.Equal(InstallOutcome.AlreadyPresent, result.Outcome);
        Assert.Equal(_v751, InstalledHead());
    }

    [Fact]
    public async Task A_commit_pin_the_repository_lacks_takes_the_default_branch_head_unless_pins_are_strict()
    {
        const string gone = "fedcba9876543210fedcba9876543210fedcba98";

        var strict = await InstallAsync(gone, [], strict: true);
        Assert.Equal(InstallOutcome.Failed, strict.Outcome);
        Assert.Empty(_sandbox.CustomNodesListing());

        var result = await InstallAsync(gone, []);
        var head = Cli.Git(_repo.Work, "rev-parse", "HEAD");
        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(head, InstalledHead());
        Assert.StartsWith("node.version-mismatch: " + gone + " not in the repository", result.VersionNote, StringComparison.Ordinal);
    }
}
