using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>A pack folder that is already there: left alone, moved to the pinned commit, or refused.</summary>
public sealed class ExistingPackUpdateTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly PackRepo _repo;
    private readonly string _v1;
    private readonly string _v2;
    private readonly string _folder;

    public ExistingPackUpdateTests()
    {
        _repo = new PackRepo(_sandbox.Root, "Pack");
        _v1 = _repo.Write("__init__.py", PackRepo.NodeSource("NodeA")).Commit("one");
        _repo.Tag("v1.0.0");
        _v2 = _repo.Write("__init__.py", PackRepo.NodeSource("NodeA", "NodeB")).Commit("two");
        _repo.Tag("v2.0.0").Publish();
        _folder = Path.Combine(_sandbox.CustomNodes, "Pack");
        Cli.Git(_sandbox.CustomNodes, "clone", "--quiet", _repo.Url, "Pack"); // a user's own clone, on branch main at v2
    }

    public void Dispose() => _sandbox.Dispose();

    private Task<PackInstallResult> InstallAsync(string? version, string[] types, bool dryRun = false, string? url = null) =>
        InstallerFactory
            .Installer(InstallerFactory.Policy(url ?? _repo.Url))
            .InstallAsync(
                new PackInstallRequest("Pack", url ?? _repo.Url, version, types),
                new InstallContext(_sandbox.ComfyUi, null, dryRun)
            );

    private string Head() => Cli.Git(_folder, "rev-parse", "HEAD");

    [Theory]
    [InlineData(null)]
    [InlineData("2.0.0")]
    public async Task A_pack_at_the_wanted_version_is_already_present_and_untouched(string? version)
    {
        var before = _sandbox.CustomNodesListing();

        var result = await InstallAsync(version, ["NodeA", "NodeB"]);

        Assert.Equal(InstallOutcome.AlreadyPresent, result.Outcome);
        Assert.Equal(_v2, result.Commit);
        Assert.All(result.NodeTypes, t => Assert.Equal(NodeTypeStates.Confirmed, t.State));
        Assert.Equal(before, _sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_pack_at_another_version_is_moved_to_the_pin_and_the_previous_commit_recorded()
    {
        var result = await InstallAsync("v1.0.0", ["NodeA"]);

        Assert.Equal(InstallOutcome.Updated, result.Outcome);
        Assert.Equal(_v1, result.Commit);
        Assert.Equal(_v2, result.PreviousCommit);
        Assert.Equal(_v1, Head());
    }

    [Fact]
    public async Task A_commit_the_checkout_does_not_have_yet_is_fetched()
    {
        var v3 = _repo.Write("__init__.py", PackRepo.NodeSource("NodeA", "NodeB", "NodeC")).Commit("three");
        _repo.Publish();

        var result = await InstallAsync(v3, ["NodeC"]);

        Assert.Equal(InstallOutcome.Updated, result.Outcome);
        Assert.Equal(v3, Head());
    }

    [Fact]
    public async Task A_failure_after_the_move_puts_the_checkout_back_on_its_branch()
    {
        _repo.Write("requirements.txt", "numpy\n").Commit("three");
        _repo.Tag("v3.0.0").Publish();

        var result = await InstallAsync("v3.0.0", ["NodeA"]); // no Python given: the requirements step fails after the move

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Requirements, result.FailedStage);
        Assert.Contains("refused and rolled back", result.Message, StringComparison.Ordinal);
        Assert.Equal(_v2, Head());
        Assert.Equal("main", Cli.Git(_folder, "symbolic-ref", "--short", "HEAD"));
    }

    [Fact]
    public async Task A_checkout_with_local_changes_is_refused_and_not_touched()
    {
        File.AppendAllText(Path.Combine(_folder, "__init__.py"), "# local edit\n");
        var before = _sandbox.CustomNodesListing();

        var result = await InstallAsync("v1.0.0", ["NodeA"]);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Equal(InstallStage.Checkout, result.FailedStage);
        Assert.Contains("local changes", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, _sandbox.CustomNodesListing());
        Assert.Equal(_v2, Head());
    }

    [Fact]
    public async Task A_checkout_of_another_repository_is_refused()
    {
        var other = new PackRepo(_sandbox.Root, "Other");
        other.Write("__init__.py", PackRepo.NodeSource("NodeA")).Commit("x");
        other.Publish();

        var result = await InstallAsync("v1.0.0", ["NodeA"], url: other.Url);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Contains("is a checkout of", result.Message, StringComparison.Ordinal);
        Assert.Equal(_v2, Head());
    }

    [Fact]
    public async Task A_folder_that_is_not_a_checkout_is_refused()
    {
        Directory.Delete(Path.Combine(_folder, ".git"), recursive: true);
        var before = _sandbox.CustomNodesListing();

        var result = await InstallAsync("v1.0.0", ["NodeA"]);

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Contains("not a git checkout", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, _sandbox.CustomNodesListing());
    }

    [Fact]
    public async Task A_dry_run_plans_the_move_and_changes_nothing()
    {
        var before = _sandbox.CustomNodesListing();

        var result = await InstallAsync("v1.0.0", ["NodeA"], dryRun: true);

        Assert.Equal(InstallOutcome.Planned, result.Outcome);
        Assert.Contains("would move", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, _sandbox.CustomNodesListing());
    }
}
