using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Registry;
using ComfyDoctor.Server.Repairs;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Schedule;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Workers;
using ComfyDoctor.Server.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server;

/// <summary>The services behind the routes, the dashboard and the background jobs, by the resource they manage.</summary>
public static class ServerServices
{
    public static IServiceCollection AddServerServices(this IServiceCollection services, ServerOptions options)
    {
        // Store and audit trail: every change commits with its audit record.
        services.AddSingleton<AuditAnchor>();
        services.AddSingleton<CommandCounter>();
        services.AddSingleton<OpenConnections>();
        services.AddSingleton<DatabasePool>(); // PostgreSQL: the pool sized by PoolCheck, read for each context
        services.AddSingleton<PoolCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<PoolCheck>());
        services.AddDbContext<ComfyDoctorDb>(
            (sp, db) =>
                StoreConfiguration
                    .Configure(db, sp.GetRequiredService<DatabasePool>().ConnectionString, options.DataDir)
                    .AddInterceptors(
                        sp.GetRequiredService<AuditAnchor>(),
                        sp.GetRequiredService<CommandCounter>(),
                        sp.GetRequiredService<OpenConnections>()
                    )
        );
        services.AddScoped<AuditTrail>();

        // Workers and jobs
        services.AddSingleton<EnrollmentGuard>();
        services.AddSingleton<AgentCredentials>();
        services.AddScoped<WorkerEnrollment>();
        services.AddScoped<JobQueue>();
        services.AddScoped<JobLeases>();
        services.AddScoped<JobCancellation>();
        services.AddSingleton(new Transport.ReplicaSignals(StoreConfiguration.IsPostgres(options.Database)));
        services.AddHostedService<Transport.ReplicaListener>();
        services.AddSingleton<JobSignal>();
        services.AddSingleton<PollAdmission>();
        services.AddSingleton<ResultAdmission>();
        services.AddSingleton<SeenMarks>();
        services.AddSingleton<QuietWorkers>();

        // Scans, registry, workflows, schedule
        services.AddScoped<ScanResults>();
        services.AddScoped<ScanRequests>();
        services.AddScoped<WorkerReports>();
        services.AddScoped<RegistryImport>();
        services.AddScoped<RegistryAdoption>();
        services.AddScoped<Snapshots.SnapshotStore>();
        services.AddScoped<Snapshots.SnapshotExport>();
        services.AddScoped<Snapshots.SnapshotDownload>();
        services.AddScoped<WorkflowRegistration>();
        services.AddSingleton<Catalog.CatalogCache>();
        services.AddScoped<Catalog.CatalogService>();
        services.AddScoped<Catalog.FleetResolution>();
        services.AddScoped<Catalog.FleetLearning>();
        Catalog.CatalogEndpoints.AddCatalogRefresh(services);
        services.AddScoped<FleetSchedule>();
        services.AddSingleton<Scheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<Scheduler>());

        // Repairs and the blob relay
        services.AddScoped<RepairRequests>();
        services.AddScoped<RepairPlans>();
        services.AddScoped<RepairOutcomes>();
        services.AddScoped<AutoRepair>();
        services.AddScoped<ScanFirst>();
        services.AddSingleton<BlobRelay>();
        services.AddScoped<SharedRelay>();
        return services;
    }
}
