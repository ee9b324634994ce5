namespace Doppel.Storage.Contract;

/// <summary>The service's stores (tokens, sets, webhooks), the same on every engine.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Tokens_are_found_by_hash_revoked_once_and_confined_to_their_tenant()
    {
        var db = await OpenFreshAsync();
        var a = await db.Tenants.CreateAsync("a", Ct);
        var b = await db.Tenants.CreateAsync("b", Ct);
        var token = await db.Tokens.CreateAsync(a.Id, "reader", "dpl_abc", Hash("secret-1"), TokenScope.Write, Ct);
        (await db.Tokens.FindByHashAsync(Hash("secret-1"), Ct))!.ShouldSatisfyAllConditions(
            t => t.Id.ShouldBe(token.Id), t => t.Tenant.ShouldBe(a.Id), t => t.Scope.ShouldBe(TokenScope.Write), t => t.IsRevoked.ShouldBeFalse());
        (await db.Tokens.FindByHashAsync(Hash("other"), Ct)).ShouldBeNull();
        (await db.Tokens.GetAsync(b.Id, token.Id, Ct)).ShouldBeNull();
        (await db.Tokens.RevokeAsync(b.Id, token.Id, Ct)).ShouldBeFalse();
        (await db.Tokens.RevokeAsync(a.Id, token.Id, Ct)).ShouldBeTrue();
        (await db.Tokens.RevokeAsync(a.Id, token.Id, Ct)).ShouldBeFalse();
        await db.Tokens.TouchAsync(token.Id, Ct);
        var listed = (await db.Tokens.ListAsync(a.Id, Ct)).ShouldHaveSingleItem();
        (listed.IsRevoked, listed.LastUsedAt is not null).ShouldBe((true, true));
        (await db.Tokens.ListAsync(b.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_group_has_one_open_set_and_moves_are_compare_and_set()
    {
        var db = await OpenFreshAsync();
        var other = await db.Tenants.CreateAsync("other", Ct);
        var sets = db.SetsFor(TenantId.Default);
        var group = await sets.GetOrCreateGroupAsync("PROG-1", "{}", Ct);
        (await sets.GetOrCreateGroupAsync("PROG-1", "{\"x\":1}", Ct)).ShouldBe(group);
        var set = await sets.CreateSetAsync(group.Id, "http://127.0.0.1/n", "{}", Ct);
        (set.State, set.GroupKey).ShouldBe((SetState.Ready, "PROG-1"));
        await Should.ThrowAsync<StoreConflictException>(() => sets.CreateSetAsync(group.Id, null, "{}", Ct));
        (await db.SetsFor(other.Id).GetSetAsync(set.Id, Ct)).ShouldBeNull();
        (await db.SetsFor(other.Id).TransitionAsync(set.Id, [SetState.Ready], SetState.Processing, cancellationToken: Ct)).ShouldBeNull();
        // Registering into another tenant's set, or into none, stores nothing: an image already there or a new one.
        await sets.AddImagesAsync(set.Id, [new("R0", "a/0.jpg")], Ct);
        await Should.ThrowAsync<RecordNotFoundException>(() => db.SetsFor(other.Id).AddImagesAsync(set.Id, [new("R0", "x/0.jpg"), new("X1", "x/1.jpg")], Ct));
        await Should.ThrowAsync<RecordNotFoundException>(() => db.SetsFor(other.Id).AddImagesAsync(set.Id, [], Ct));
        await Should.ThrowAsync<RecordNotFoundException>(() => sets.AddImagesAsync(Guid.NewGuid(), [new("X2", "x/2.jpg")], Ct));
        (await sets.ListImagesAsync(set.Id, 0, 10, Ct)).Select(i => (i.ReferencePk, i.Filename)).ShouldBe([("R0", "a/0.jpg")]);
        (await sets.RemoveImagesAsync(set.Id, null, Ct)).ShouldBe(1);

        (await sets.TransitionAsync(set.Id, [SetState.Ready], SetState.Processing, cancellationToken: Ct))!.State.ShouldBe(SetState.Processing);
        (await sets.TransitionAsync(set.Id, [SetState.Ready], SetState.Processing, cancellationToken: Ct)).ShouldBeNull();
        (await sets.CountSetsAsync(group.Id, [SetState.Processing], Ct)).ShouldBe(1);
        (await sets.ListAllTenantsInStateAsync(SetState.Processing, Ct)).ShouldHaveSingleItem().Id.ShouldBe(set.Id);
        (await sets.FindSetOfGroupAsync("PROG-1", Ct))!.Id.ShouldBe(set.Id);
        (await sets.TransitionAsync(set.Id, [SetState.Processing], SetState.Inactive, cancellationToken: Ct))!.IsClosed.ShouldBeTrue();
        // A group's key names its open set, else its newest; never another tenant's.
        (await sets.FindSetOfGroupAsync("PROG-1", Ct))!.Id.ShouldBe(set.Id);
        var next = await sets.CreateSetAsync(group.Id, null, "{}", Ct);
        (await sets.FindActiveSetAsync(group.Id, Ct))!.Id.ShouldBe(next.Id);
        (await sets.FindSetOfGroupAsync("PROG-1", Ct))!.Id.ShouldBe(next.Id);
        (await sets.TransitionAsync(next.Id, [SetState.Ready], SetState.Rejected, cancellationToken: Ct))!.IsClosed.ShouldBeTrue();
        (await sets.FindSetOfGroupAsync("PROG-1", Ct))!.Id.ShouldBe(
            (await sets.ListSetsAsync(group.Id, null, 0, 1, Ct)).ShouldHaveSingleItem().Id);
        (await sets.FindSetOfGroupAsync("NO-SUCH", Ct)).ShouldBeNull();
        (await db.SetsFor(other.Id).FindSetOfGroupAsync("PROG-1", Ct)).ShouldBeNull();
        (await sets.ListSetsAsync(group.Id, null, 0, 10, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Images_register_idempotently_and_a_rerun_keeps_reviewer_decisions()
    {
        var db = await OpenFreshAsync();
        var sets = db.SetsFor(TenantId.Default);
        var group = await sets.GetOrCreateGroupAsync("PROG-2", "{}", Ct);
        var set = await sets.CreateSetAsync(group.Id, null, "{}", Ct);
        var images = await sets.AddImagesAsync(set.Id, [new("R1", "a/1.jpg"), new("R2", "a/2.jpg"), new("R3", "a/3.jpg")], Ct);
        images.Select(i => i.ReferencePk).ShouldBe(["R1", "R2", "R3"]);
        await sets.SaveImageResultsAsync([new(images[0].Id, null, 200), new(images[1].Id, null, 200), new(images[2].Id, null, 404)], Ct);
        // Same file: unchanged (result kept); another file: takes it and loses its result.
        var again = await sets.AddImagesAsync(set.Id, [new("R2", "a/2.jpg"), new("R1", "a/1b.jpg")], Ct);
        (again[0].Id, again[0].StatusCode).ShouldBe((images[1].Id, (int?)200));
        (again[1].Id, again[1].Filename, again[1].StatusCode).ShouldBe((images[0].Id, "a/1b.jpg", (int?)null));
        (await sets.CountImagesAsync(set.Id, Ct)).ShouldBe(3);

        await sets.ReplaceFindingsAsync(set.Id, [new(images[0].Id, images[1].Id, 0.8f, 0.9f, 200), new(images[2].Id, null, 0f, 0f, 404)], Ct);
        var page = await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery { StatusCode = 200 }, Ct);
        var pair = page.Items.ShouldHaveSingleItem();
        (pair.FirstReferencePk, pair.SecondReferencePk, pair.Score).ShouldBe(("R1", "R2", 0.8f));
        // The set with its page, read together (a findings page request): the same page; another tenant's set is none.
        var (withSet, withPage) = await sets.GetSetWithFindingsAsync(set.Id, new SetFindingQuery { StatusCode = 200 }, Ct);
        (withSet!.Id, withPage.Count, withPage.Items.ShouldHaveSingleItem().Id).ShouldBe((set.Id, 1L, pair.Id));
        var other = await db.Tenants.CreateAsync("other-2", Ct);
        var (noSet, noPage) = await db.SetsFor(other.Id).GetSetWithFindingsAsync(set.Id, new SetFindingQuery(), Ct);
        (noSet, noPage.Count, noPage.Items.Count).ShouldBe((null, 0L, 0));
        // Findings stored together come newest row first, and pages follow that order (the order the index reads).
        var stored = await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery(), Ct);
        stored.Items.Select(f => f.Id).ShouldBe(stored.Items.Select(f => f.Id).OrderDescending());
        (await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery { Offset = 1, Limit = 1 }, Ct)).Items.ShouldHaveSingleItem().Id.ShouldBe(stored.Items[1].Id);
        (await sets.DecideFindingAsync(pair.Id, FindingDecision.NotDuplicate, "reviewer", Ct)).ShouldBeTrue();
        (await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery { ExcludeNotDuplicate = true }, Ct)).Items.ShouldHaveSingleItem().StatusCode.ShouldBe(404);

        await sets.ReplaceFindingsAsync(set.Id, [new(images[0].Id, images[1].Id, 0.7f, 0.85f, 200)], Ct);
        var kept = (await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery(), Ct)).Items.ShouldHaveSingleItem();
        (kept.Score, kept.Decision, kept.DecidedBy).ShouldBe((0.7f, (FindingDecision?)FindingDecision.NotDuplicate, "reviewer"));
        (await sets.ListFindingsAsync(null, group.Id, new SetFindingQuery { ReferencePks = ["R2"] }, Ct)).Count.ShouldBe(1);
        (await sets.ListFindingsAsync(null, group.Id, new SetFindingQuery { ReferencePks = ["R3"] }, Ct)).Count.ShouldBe(0);

        (await sets.RemoveImagesAsync(set.Id, ["R1"], Ct)).ShouldBe(1);
        (await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery(), Ct)).Count.ShouldBe(0);
        var (ignored, created) = await sets.AddIgnoredAsync(group.Id, IgnoredKeyKind.ReferencePk, "R2", "R1", "reviewer", Ct);
        (created, ignored.First, ignored.Second).ShouldBe((true, "R1", "R2"));
        (await sets.AddIgnoredAsync(group.Id, IgnoredKeyKind.ReferencePk, "R1", "R2", null, Ct)).Created.ShouldBeFalse();
        (await sets.DeleteSetAsync(set.Id, Ct)).ShouldBeTrue();
        (await sets.CountImagesAsync(set.Id, Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task Webhook_deliveries_are_due_until_delivered_and_every_attempt_is_logged()
    {
        var db = await OpenFreshAsync();
        var tenant = TenantId.Default;
        var endpoint = await db.Webhooks.AddEndpointAsync(tenant, "http://127.0.0.1/hook", "s3cret", Ct);
        var setId = Guid.NewGuid();
        var delivery = await db.Webhooks.EnqueueAsync(tenant, DeliveryKind.Signed, endpoint.Id, endpoint.Url, "set.processed", "{}", setId, Ct);
        (await db.Webhooks.ListDueAsync(DateTimeOffset.UtcNow.AddSeconds(1), 10, Ct)).ShouldHaveSingleItem().Id.ShouldBe(delivery.Id);
        var retryAt = DateTimeOffset.UtcNow.AddMinutes(5);
        await db.Webhooks.RecordAttemptAsync(delivery.Id, 503, null, 12, DeliveryState.Pending, retryAt, Ct);
        (await db.Webhooks.ListDueAsync(DateTimeOffset.UtcNow.AddSeconds(1), 10, Ct)).ShouldBeEmpty();
        await db.Webhooks.RecordAttemptAsync(delivery.Id, 200, null, 8, DeliveryState.Delivered, DateTimeOffset.UtcNow, Ct);
        var attempts = await db.Webhooks.ListAttemptsAsync(delivery.Id, Ct);
        attempts.Select(a => (a.Number, a.StatusCode)).ShouldBe([(1, (int?)503), (2, (int?)200)]);
        var stored = (await db.Webhooks.GetDeliveryAsync(tenant, delivery.Id, Ct))!;
        (stored.State, stored.Attempts, stored.SetId).ShouldBe((DeliveryState.Delivered, 2, (Guid?)setId));
        (await db.Webhooks.ListDeliveriesAsync(tenant, setId, 0, 10, Ct)).ShouldHaveSingleItem();
        (await db.Webhooks.ResendAsync(tenant, delivery.Id, Ct)).ShouldBeTrue();
        (await db.Webhooks.ListDueAsync(DateTimeOffset.UtcNow.AddSeconds(1), 10, Ct)).ShouldHaveSingleItem();
        (await db.Webhooks.RemoveEndpointAsync(tenant, endpoint.Id, Ct)).ShouldBeTrue();
        (await db.Webhooks.ListEndpointsAsync(tenant, Ct)).ShouldBeEmpty();
    }
}
