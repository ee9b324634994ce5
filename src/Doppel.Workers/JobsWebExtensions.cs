using Doppel.Application.Queue;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Doppel.Workers;

/// <summary>How the service wires the job queue: <see cref="AddDoppelJobs"/> registers Hangfire's client and
/// storage and an <see cref="IJobQueue"/>; <see cref="MapDoppelJobsDashboard"/> mounts Hangfire's dashboard
/// (queues, running, failed jobs with their errors, retry buttons) behind the service's own login.</summary>
public static class JobsWebExtensions
{
    /// <param name="jobsAddress">The job database, <c>postgres://USER@HOST[:PORT]/DB</c>.</param>
    public static IServiceCollection AddDoppelJobs(this IServiceCollection services, string jobsAddress)
    {
        var connection = JobsStorage.ConnectionString(jobsAddress);
        var storage = JobsStorage.Create(connection);
        services.AddHangfire(configuration => configuration.UseStorage(storage));
        services.AddSingleton(_ => WorkStore.OpenAsync(connection).GetAwaiter().GetResult());
        services.AddSingleton<IJobQueue>(provider => new HangfireJobQueue(provider.GetRequiredService<WorkStore>(), provider.GetRequiredService<IBackgroundJobClient>()));
        return services;
    }

    /// <summary>The service's sets go to the workers (<see cref="SetWork"/> jobs) instead of an in-process queue;
    /// call after <see cref="AddDoppelJobs"/>. <paramref name="mediaRoot"/> is the folder the sets' image keys are in; a set's
    /// analysis is split into jobs of <paramref name="chunkSize"/> images, its matching into blocks of <paramref name="blockSize"/> faces.</summary>
    public static IServiceCollection AddDoppelSetQueue(this IServiceCollection services, string mediaRoot, int chunkSize = HangfireSetQueue.DefaultChunkSize,
        int blockSize = HangfireSetQueue.DefaultBlockSize) =>
        services.AddSingleton<Doppel.Application.Sets.ISetProcessingQueue>(provider =>
            new HangfireSetQueue(provider.GetRequiredService<IBackgroundJobClient>(), mediaRoot, chunkSize, blockSize));

    /// <summary>
    /// Mounts the dashboard at <paramref name="path"/> (e.g. <c>/admin/jobs</c>). Every request, the pages and
    /// their JSON/retry posts alike, passes <paramref name="authorize"/> (the admin session check); a refused one gets
    /// 401 (Hangfire's answer), never the dashboard. <paramref name="readOnly"/> hides retry and delete for roles
    /// that may look but not act.
    /// </summary>
    /// <param name="appPath">Where the dashboard's "back to site" link goes (the admin page); none when null.</param>
    public static IEndpointConventionBuilder MapDoppelJobsDashboard(this IEndpointRouteBuilder endpoints, string path,
        Func<HttpContext, bool> authorize, Func<HttpContext, bool>? readOnly = null, string? appPath = null)
    {
        ArgumentNullException.ThrowIfNull(authorize);
        return endpoints.MapHangfireDashboard(path, new DashboardOptions
        {
            DashboardTitle = "Doppel jobs",
            AppPath = appPath,
            Authorization = [new Filter(authorize)],
            // Never null: Hangfire reads it on every page that lists jobs (a null threw on the succeeded page).
            IsReadOnlyFunc = readOnly is null ? _ => false : context => readOnly(context.GetHttpContext()),
            // The service's own pages poll; the dashboard's live counters need no faster cadence.
            StatsPollingInterval = 5000,
        });
    }

    private sealed class Filter(Func<HttpContext, bool> authorize) : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => authorize(context.GetHttpContext());
    }
}
