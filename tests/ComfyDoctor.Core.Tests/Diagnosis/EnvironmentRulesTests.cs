using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Tests.Diagnosis;

public sealed class EnvironmentRulesTests
{
    private static Verdict Diagnose(InventoryBuilder builder) =>
        Diagnoser.Diagnose(ExpectedState.FromRegistry(ModelRegistry.Empty), builder.Build());

    [Fact]
    public void Healthy_worker_is_all_green()
    {
        var verdict = Diagnose(new InventoryBuilder());
        Assert.All(verdict.Health.All, light => Assert.Equal(Light.Green, light));
        Assert.False(verdict.Health.AnyRed);
    }

    [Theory]
    [InlineData(900L, 2000L, Light.Green, null)]
    [InlineData(40L, 40L, Light.Yellow, "under the 50.0 GiB yellow threshold")]
    [InlineData(150L, 2000L, Light.Yellow, "under the 10 % yellow threshold")]
    [InlineData(60L, 2000L, Light.Red, "under the 5 % red threshold")]
    [InlineData(5L, 20L, Light.Red, "under the 10.0 GiB red threshold")]
    public void Disk_thresholds_and_the_one_crossed_named(long freeGiB, long totalGiB, Light expected, string? why)
    {
        var verdict = Diagnose(
            new InventoryBuilder().Environment(e =>
                e with
                {
                    Disks = [new DiskFacts("/data", totalGiB << 30, freeGiB << 30, ["/data/models"])],
                }
            )
        );
        Assert.Equal(expected, verdict.Health[HealthCategory.Disk]);
        if (why is not null)
        {
            var message = verdict.Findings.Single(f => f.Code == FindingCodes.DiskLow).Message;
            Assert.Contains("/data/models", message, StringComparison.Ordinal);
            Assert.Contains(why, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_python_is_yellow_missing_torch_is_red()
    {
        var unknown = Diagnose(new InventoryBuilder().Environment(e => e with { Python = null }));
        Assert.Contains(unknown.Findings, f => f.Code == FindingCodes.RuntimePythonUnknown);
        Assert.Equal(Light.Yellow, unknown.Health[HealthCategory.Runtime]);

        var noTorch = Diagnose(
            new InventoryBuilder().Environment(e =>
                e with
                {
                    Python = new PythonFacts("/venv/bin/python", "3.11.7", null, null, null, "No module named 'torch'"),
                }
            )
        );
        Assert.Contains(
            "No module named 'torch'",
            noTorch.Findings.Single(f => f.Code == FindingCodes.RuntimeTorchMissing).Message,
            StringComparison.Ordinal
        );
        Assert.Equal(Light.Red, noTorch.Health[HealthCategory.Runtime]);
    }

    [Fact]
    public void Cuda_unavailable_is_red_when_gpus_are_present()
    {
        var cpuTorch = new PythonFacts("/venv/bin/python", "3.11.7", "2.4.1+cpu", null, false, null);
        var withGpu = Diagnose(new InventoryBuilder().Environment(e => e with { Python = cpuTorch }));
        Assert.Equal(Severity.Error, withGpu.Findings.Single(f => f.Code == FindingCodes.RuntimeCudaUnavailable).Severity);

        var noGpu = Diagnose(new InventoryBuilder().Environment(e => e with { Python = cpuTorch, Gpus = [] }));
        Assert.Equal(Severity.Warning, noGpu.Findings.Single(f => f.Code == FindingCodes.RuntimeCudaUnavailable).Severity);
        Assert.Contains(noGpu.Findings, f => f.Code == FindingCodes.RuntimeGpuUnknown);
    }
}
