using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;
using Xunit.Abstractions;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// The whole sample set of issue 17 (<see cref="PickleSamples"/>) through the real checker, file by file. A hostile
/// sample is detected when it is red <c>model.unsafe</c> and names the global that does the harm; a benign one is a
/// false alarm when it is yellow or red (and must be green); one torch's loader refuses although harmless must be red
/// and said to be benign.
/// Prints one <c>RELIABILITY pickle-verdicts</c> line with the counts (docs/reliability.md, case 25).
/// </summary>
public sealed class PickleSampleSetTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_hostile_sample_is_red_and_named_and_every_benign_one_green()
    {
        using var dir = new TempDir();
        var results = PickleSamples
            .All()
            .Select(
                (sample, i) =>
                {
                    var folder = Directory
                        .CreateDirectory(dir.Combine(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                        .FullName;
                    var path = Path.Combine(folder, sample.FileName);
                    File.WriteAllBytes(path, sample.Content);
                    return (Sample: sample, Check: ModelFormatChecker.Check(path));
                }
            )
            .ToList();

        var hostile = results.Where(r => r.Sample.Kind == SampleKind.Malicious).ToList();
        var missed = hostile
            .Where(r => r.Check.Status != FormatStatus.Unsafe || r.Check.Imports?.Contains(r.Sample.Names!) != true)
            .ToList();
        var red = hostile.Count(r => r.Check.Status is FormatStatus.Unsafe or FormatStatus.Invalid);
        var yellow = hostile.Count(r => r.Check.Status == FormatStatus.Suspicious);
        var benign = results.Where(r => r.Sample.Kind == SampleKind.Benign).ToList();
        var alarms = benign.Where(r => r.Check.Status is not (FormatStatus.Valid or FormatStatus.Unchecked)).ToList();
        var notGreen = benign.Where(r => r.Check.Status != FormatStatus.Valid).ToList();
        var refused = results.Where(r => r.Sample.Kind == SampleKind.RefusedBenign).ToList();
        var refusedWrong = refused
            .Where(r =>
                r.Check.Status != FormatStatus.Unsafe || r.Check.Message?.Contains("known benign", StringComparison.Ordinal) != true
            )
            .ToList();

        foreach (var (sample, check) in missed.Concat(notGreen).Concat(refusedWrong))
        {
            output.WriteLine(
                $"WRONG {sample.Kind} {sample.Technique} ({sample.FileName}): {check.Status} {check.Format} {check.Message} "
                    + $"[{string.Join(", ", check.Imports ?? [])}]"
            );
        }

        output.WriteLine(
            $"RELIABILITY pickle-verdicts: hostile={hostile.Count} detected={hostile.Count - missed.Count} red={red} yellow={yellow} "
                + $"green-or-unchecked={hostile.Count - red - yellow} benign={benign.Count} false-alarms={alarms.Count} "
                + $"not-green={notGreen.Count} "
                + $"refused-benign={refused.Count} refused-benign-as-designed={refused.Count - refusedWrong.Count}"
        );
        Assert.Empty(missed.Select(r => r.Sample.Technique));
        Assert.Empty(notGreen.Select(r => r.Sample.Technique));
        Assert.Empty(refusedWrong.Select(r => r.Sample.Technique));
    }
}
