using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Core.Tests.Diagnosis;

/// <summary>Issue 14.3: one health model. Its JSON is the report's <c>health</c> object as agents and older servers write it.</summary>
public sealed class HealthLightsTests
{
    private static readonly JsonSerializerOptions OneLine = new(ReportJson.Options) { WriteIndented = false };

    [Fact]
    public void The_lights_read_and_write_the_report_s_health_object_unchanged()
    {
        const string Wire = """{"models":"red","nodes":"green","disk":"yellow","runtime":"green"}""";
        var lights = JsonSerializer.Deserialize<HealthLights>(Wire, ReportJson.Options)!;

        Assert.Equal(new HealthLights(Light.Red, Light.Green, Light.Yellow, Light.Green), lights);
        Assert.Equal(Wire, JsonSerializer.Serialize(lights, OneLine));
    }

    [Fact]
    public void Each_category_has_its_light_and_the_worst_decides_red()
    {
        var lights = HealthLights.AllGreen.Raise(HealthCategory.Disk, Light.Yellow).Raise(HealthCategory.Disk, Light.Green);

        Assert.Equal([Light.Green, Light.Green, Light.Yellow, Light.Green], lights.All);
        Assert.Equal(Light.Yellow, lights[HealthCategory.Disk]);
        Assert.Equal(Light.Yellow, lights.Worst);
        Assert.False(lights.AnyRed);
        Assert.True(lights.Raise(HealthCategory.Runtime, Light.Red).AnyRed);
        Assert.Equal(Enum.GetValues<HealthCategory>(), HealthLights.Categories);
    }

    [Fact]
    public void A_category_is_as_bad_as_its_worst_finding()
    {
        Finding[] findings =
        [
            new("model.unknown", Severity.Warning, "a", "", false, HealthCategory.Models),
            new("model.corrupted", Severity.Error, "b", "", true, HealthCategory.Models),
            new("runtime.note", Severity.Info, "c", "", false, HealthCategory.Runtime),
        ];

        Assert.Equal(new HealthLights(Light.Red, Light.Green, Light.Green, Light.Green), HealthRules.Lights(findings));
    }
}
