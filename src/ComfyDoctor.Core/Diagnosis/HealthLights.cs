using System.Text.Json.Serialization;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>
/// The one health model: a traffic light per category, as the diagnoser judges it, reports and the API carry it
/// (<c>{"models", "nodes", "disk", "runtime"}</c>), and the dashboard, the metrics and the CLI show it.
/// </summary>
public sealed record HealthLights(Light Models, Light Nodes, Light Disk, Light Runtime)
{
    /// <summary>Every category, in the order they are shown.</summary>
    public static IReadOnlyList<HealthCategory> Categories { get; } =
    [HealthCategory.Models, HealthCategory.Nodes, HealthCategory.Disk, HealthCategory.Runtime];

    public static HealthLights AllGreen { get; } = new(Light.Green, Light.Green, Light.Green, Light.Green);

    [JsonIgnore]
    public Light this[HealthCategory category] =>
        category switch
        {
            HealthCategory.Models => Models,
            HealthCategory.Nodes => Nodes,
            HealthCategory.Disk => Disk,
            _ => Runtime,
        };

    /// <summary>The lights in <see cref="Categories"/> order.</summary>
    [JsonIgnore]
    public IEnumerable<Light> All => Categories.Select(c => this[c]);

    [JsonIgnore]
    public Light Worst => All.Max();

    [JsonIgnore]
    public bool AnyRed => Worst == Light.Red;

    /// <summary>These lights with <paramref name="category"/> raised to <paramref name="light"/> (never lowered).</summary>
    public HealthLights Raise(HealthCategory category, Light light) =>
        light <= this[category]
            ? this
            : category switch
            {
                HealthCategory.Models => this with { Models = light },
                HealthCategory.Nodes => this with { Nodes = light },
                HealthCategory.Disk => this with { Disk = light },
                _ => this with { Runtime = light },
            };
}
