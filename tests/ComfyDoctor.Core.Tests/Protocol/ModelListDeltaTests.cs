using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using Xunit.Abstractions;

namespace ComfyDoctor.Core.Tests.Protocol;

/// <summary>Issue 20.4: a scan's models as a change against the last stored list rebuild exactly that list.</summary>
public sealed class ModelListDeltaTests(ITestOutputHelper output)
{
    private static ModelFile Model(int i, string sha = "a") =>
        new(
            $"loras/m{i:D6}.safetensors",
            $"/srv/ComfyUI/models/loras/m{i:D6}.safetensors",
            1000 + i,
            DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i),
            new string(sha[0], 63) + (i % 10),
            FormatCheck.Ok("safetensors")
        );

    private static List<ModelFile> Models(int count) => [.. Enumerable.Range(0, count).Select(i => Model(i))];

    private static InventoryDelta Diff(IReadOnlyList<ModelFile> before, IReadOnlyList<ModelFile> now) =>
        ModelListDelta.Diff("job-1", ModelListDelta.PrintsOf(before), now, ModelListDelta.PrintsOf(now))!;

    private static void AssertSameList(IReadOnlyList<ModelFile> expected, IReadOnlyList<ModelFile>? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            expected.Select(m => JsonSerializer.Serialize(m, ReportJson.Options)),
            actual.Select(m => JsonSerializer.Serialize(m, ReportJson.Options))
        );
    }

    [Fact]
    public void Removed_inserted_changed_and_moved_entries_rebuild_the_new_list_in_its_order()
    {
        var before = Models(1000);
        var now = before.ToList();
        now.RemoveAt(500); // deleted in the middle
        now.RemoveAt(998); // and at the end
        now.Insert(0, Model(5000)); // new at the start
        now.Insert(300, Model(5001)); // and in the middle
        now[700] = Model(700, sha: "b") with { Size = 7 }; // changed in place
        var moved = now[100];
        now.RemoveAt(100);
        now.Add(moved); // a root order change moves a file to the end
        now.Add(Model(5002));

        var delta = Diff(before, now);
        var rebuilt = ModelListDelta.Apply(before, delta);

        Assert.Null(rebuilt.Problem);
        AssertSameList(now, rebuilt.Models);
        Assert.True(delta.Runs.Sum(r => r.Add.Count) <= 6, $"{delta.Runs.Sum(r => r.Add.Count)} entries sent again");
    }

    [Fact]
    public void An_unchanged_list_of_100000_models_is_a_few_bytes_and_five_changes_a_few_kilobytes()
    {
        var before = Models(100_000);
        var now = before.ToList();
        foreach (var i in new[] { 3, 20_000, 40_000, 60_000, 99_999 })
        {
            now[i] = Model(i, sha: "c");
        }

        var whole = JsonSerializer.SerializeToUtf8Bytes(now, ReportJson.Options).Length;
        var unchanged = JsonSerializer.SerializeToUtf8Bytes(Diff(before, before), ReportJson.Options).Length;
        var changed = JsonSerializer.SerializeToUtf8Bytes(Diff(before, now), ReportJson.Options).Length;

        output.WriteLine($"100,000 models: whole list {whole:N0} bytes; no change {unchanged:N0} bytes; five changed {changed:N0} bytes");
        Assert.True(whole > 20_000_000, $"the whole list is {whole:N0} bytes");
        Assert.True(unchanged < 512, $"no change costs {unchanged:N0} bytes");
        Assert.True(changed < 8_192, $"five changes cost {changed:N0} bytes");
        AssertSameList(now, ModelListDelta.Apply(before, Diff(before, now)).Models);
    }

    [Fact]
    public void A_base_that_is_not_the_agents_is_refused_never_rebuilt_into_something_else()
    {
        var before = Models(50);
        var now = before.Skip(1).Append(Model(60)).ToList();
        var delta = Diff(before, now);

        var otherBase = before.ToList();
        otherBase[10] = Model(10, sha: "d");
        Assert.Contains("digest differs", ModelListDelta.Apply(otherBase, delta).Problem, StringComparison.Ordinal);
        Assert.Contains("runs past", ModelListDelta.Apply(before.Take(10).ToList(), delta).Problem, StringComparison.Ordinal);
        var hostile = delta with { Runs = [new DeltaRun(-1, 0, [])] };
        Assert.NotNull(ModelListDelta.Apply(before, hostile).Problem);
    }

    [Fact]
    public void A_list_that_is_mostly_new_goes_whole()
    {
        var before = Models(100);
        var now = Enumerable.Range(1000, 100).Select(i => Model(i)).ToList();
        Assert.Null(ModelListDelta.Diff("job-1", ModelListDelta.PrintsOf(before), now, ModelListDelta.PrintsOf(now)));
    }
}
