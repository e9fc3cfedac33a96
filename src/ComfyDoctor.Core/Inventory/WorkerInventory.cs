namespace ComfyDoctor.Core.Inventory;

/// <summary>The facts an agent gathers about one worker. No judgement: that is <c>Diagnosis</c>'s job.</summary>
public sealed record WorkerInventory(
    string Worker,
    DateTimeOffset ScannedAt,
    IReadOnlyList<ModelRoot> ModelRoots,
    IReadOnlyList<ModelFile> Models,
    IReadOnlyList<NodePack> NodePacks,
    EnvironmentFacts Environment);
