using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>The one place judgement happens: expected state + gathered facts → findings and lights.</summary>
public static class Diagnoser
{
    /// <param name="about">Findings judged elsewhere that feed the same lights (the server's <see cref="AgentRules"/>).</param>
    public static Verdict Diagnose(ExpectedState expected, WorkerInventory inventory, IEnumerable<Finding>? about = null)
    {
        var findings = ModelRules
            .Check(expected, inventory)
            .Concat(ArchitectureRules.Check(expected, inventory))
            .Concat(NodeRules.Check(expected, inventory))
            .Concat(SnapshotRules.Check(expected, inventory))
            .Concat(DiskRules.Check(expected.Policy, inventory))
            .Concat(RuntimeRules.Check(inventory))
            .Concat(about ?? [])
            .ToList();
        return new Verdict(HealthRules.Lights(findings), findings);
    }
}

/// <summary>Findings and the traffic light of each category.</summary>
public sealed record Verdict(HealthLights Health, IReadOnlyList<Finding> Findings);
