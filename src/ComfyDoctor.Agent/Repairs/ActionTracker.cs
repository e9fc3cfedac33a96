using System.Diagnostics;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>
/// The live state of a repair's actions — each one's state, source, bytes and rate — posted through the job's
/// progress (throttled; every change of state is posted).
/// </summary>
/// <param name="sink">Throttled progress (bytes as they come).</param>
/// <param name="immediate">Where changes of state go at once (the poster's forced post).</param>
internal sealed class ActionTracker(IProgress<JobProgress> sink, Action<JobProgress> immediate)
{
    private readonly Lock _gate = new();
    private readonly List<ActionProgress> _actions = [];
    private readonly Dictionary<int, long> _startedAt = [];
    private string _phase = "scanning";

    public void Start(RepairPlan plan)
    {
        lock (_gate)
        {
            _actions.AddRange(
                plan.Actions.Select(a => new ActionProgress(a.Kind, a.Subject, ActionStates.Pending, null, 0, a.Model?.Size, 0, "waiting"))
            );
            _phase = "repairing";
        }

        Publish(force: true);
    }

    public void Phase(string phase)
    {
        lock (_gate)
        {
            _phase = phase;
        }

        Publish(force: true);
    }

    public void Running(int index, string? source, string message) =>
        Change(
            index,
            a => a with { State = ActionStates.Running, Source = source ?? a.Source, Message = message },
            force: true,
            start: true
        );

    public void Bytes(int index, long done, long? total) =>
        Change(
            index,
            a => a with { BytesDone = done, BytesTotal = total ?? a.BytesTotal, BytesPerSecond = Rate(index, done) },
            force: false,
            start: false
        );

    public void Finished(int index, ActionResult result) =>
        Change(
            index,
            a => a with { State = result.Outcome, Source = result.Source ?? a.Source, Message = result.Message },
            force: true,
            start: false
        );

    /// <summary>Progress of the scans before and after, decorated with the actions so far.</summary>
    public JobProgress Decorate(JobProgress scan)
    {
        lock (_gate)
        {
            return scan with { Message = _phase, Actions = [.. _actions] };
        }
    }

    private void Change(int index, Func<ActionProgress, ActionProgress> change, bool force, bool start)
    {
        lock (_gate)
        {
            if (start)
            {
                _startedAt[index] = Stopwatch.GetTimestamp();
            }

            _actions[index] = change(_actions[index]);
        }

        Publish(force);
    }

    private double Rate(int index, long done) =>
        _startedAt.TryGetValue(index, out var t) && Stopwatch.GetElapsedTime(t).TotalSeconds is var s and > 0.05 ? done / s : 0;

    private void Publish(bool force)
    {
        JobProgress snapshot;
        lock (_gate)
        {
            var done = _actions.Count(a => a.State is not ActionStates.Pending and not ActionStates.Running);
            snapshot = new JobProgress(_phase, done, _actions.Count, _actions.Sum(a => a.BytesDone), _actions.Sum(a => a.BytesTotal ?? 0))
            {
                Actions = [.. _actions],
            };
        }

        if (force)
        {
            immediate(snapshot);
        }
        else
        {
            sink.Report(snapshot);
        }
    }
}
