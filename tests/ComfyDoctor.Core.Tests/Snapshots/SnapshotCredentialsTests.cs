using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Snapshots;

/// <summary>
/// Issue 19.4: a snapshot's pip entries may carry credentials (<c>git+https://user:token@host/…</c>). The snapshot keeps
/// them (a restore needs them), but no finding, conflict or plan hint shows them; and an installed package that agents report
/// without credentials still matches the pin that has them.
/// </summary>
public sealed class SnapshotCredentialsTests
{
    private const string Token = "ghp_S3CRETt0ken";
    private const string Private = "git+https://ci:" + Token + "@git.corp.test/ml/private-nodes-lib.git";

    private static ExpectedState Expected(params AppliedSnapshot[] snapshots) =>
        SnapshotMerge.Apply(ExpectedState.FromRegistry(new ModelRegistry([])), snapshots);

    private static AppliedSnapshot Pinning(string label, string url) =>
        new(label, Snapshot.Empty with { Pips = [new SnapshotPip("private-nodes-lib", url)] });

    private static WorkerInventory Installed(string? url) =>
        new InventoryBuilder()
            .Environment(e =>
                e with
                {
                    Python = e.Python! with
                    {
                        Packages = url is null ? [] : [new PythonPackage("private-nodes-lib", "0.4.0", PythonInstallKinds.Url, url)],
                    },
                }
            )
            .Build();

    [Fact]
    public void The_package_installed_from_the_pinned_url_matches_though_the_agent_reports_it_without_credentials()
    {
        var findings = Diagnoser.Diagnose(
            Expected(Pinning("snapshot of tag 'a'", Private)),
            Installed(Private.Replace("ci:" + Token + "@", "", StringComparison.Ordinal))
        );

        Assert.DoesNotContain(findings.Findings, f => f.Code == FindingCodes.PythonPackageMismatch);
    }

    [Fact]
    public void Findings_and_plan_hints_about_a_url_pin_never_show_its_token()
    {
        var expected = Expected(Pinning("snapshot of tag 'a'", Private));
        var inventory = Installed(null);
        var report = WorkerReport.From(inventory, Diagnoser.Diagnose(expected, inventory));

        var plan = RepairPlanner.Plan(report, expected, new RepairPolicy(RepairScope.Parse(["match-snapshot"]), [], []));

        var finding = Assert.Single(report.Findings, f => f.Code == FindingCodes.PythonPackageMismatch);
        Assert.Equal("not installed, snapshot of tag 'a' pins git+https://***@git.corp.test/ml/private-nodes-lib.git", finding.Message);
        var left = Assert.Single(plan.Unresolvable, u => u.Subject == "private-nodes-lib");
        Assert.Contains("git+https://***@git.corp.test", left.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, ReportJson.Serialize(report) + ReportJson.Serialize(plan), StringComparison.Ordinal);
        Assert.Contains(Token, Assert.Single(expected.Snapshot!.Python).Pin.Url, StringComparison.Ordinal); // kept for a restore
    }

    [Fact]
    public void A_conflict_between_two_url_pins_names_both_without_their_tokens()
    {
        var expected = Expected(Pinning("snapshot of tag 'a'", Private), Pinning("snapshot of tag 'b'", Private + "@v2"));

        var conflict = Assert.Single(expected.Snapshot!.Conflicts);

        Assert.Equal(
            [
                "snapshot of tag 'a' pins git+https://***@git.corp.test/ml/private-nodes-lib.git",
                "snapshot of tag 'b' pins git+https://***@git.corp.test/ml/private-nodes-lib.git@v2",
            ],
            conflict.Wants
        );
    }
}
