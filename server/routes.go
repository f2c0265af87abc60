package server

import (
	"net/http"
	"strings"

	"kith/server/api"
	"kith/server/core"
	"kith/server/web"

	"github.com/go-chi/chi/v5"
)

// routes is the one table of every URL kith answers.
func (s *Server) routes() http.Handler {
	// Handlers return their errors; these answer them in the shape the
	// caller reads (core/errors.go).
	json, page, plain := s.AnswerJSON, s.AnswerPage, s.AnswerPlain
	r := chi.NewRouter()
	r.Use(s.recoverPanics, s.realIP, s.logRequests, s.securityHeaders, apiCORS, s.limitBodies, s.encoders.compressResponses)
	// Set before any route: chi copies these into every group and
	// sub-router as it is made, while setting them afterwards walks the
	// whole table and copies every route (half a megabyte at each start).
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			core.APIError(w, http.StatusNotFound, "Record not found")
			return
		}
		s.RenderError(w, r, core.Refuse(http.StatusNotFound, "There is nothing here."))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.RenderError(w, r, core.Refuse(http.StatusMethodNotAllowed, "That page does not accept this kind of request."))
	})

	r.Get("/healthz", s.handleHealth)
	r.Get("/metrics", s.handleMetrics) // metrics.go: Prometheus, behind [metrics] token

	// Files: kith's own (theme, scripts, default avatar and header),
	// uploads and their previews, cached remote media and emoji. Any
	// origin may load them (core.FileCORS), as web clients on other
	// origins do with every URL an API entity carries.
	r.Group(func(r chi.Router) {
		r.Use(core.FileCORS)
		r.Get("/static/theme-{hash}.css", s.handleTheme)
		r.Handle("/static/*", s.StaticFiles())
		for _, path := range []string{"/media/*", "/media/remote/{mac}/{src}"} {
			r.Options(path, http.NotFound) // core.FileCORS answers preflights
		}
		r.Get("/media/*", s.HandleMediaFile)
		r.Head("/media/*", s.HandleMediaFile)
		r.Get("/media/remote/{mac}/{src}", s.HandleRemoteMedia)
		r.Head("/media/remote/{mac}/{src}", s.HandleRemoteMedia)
	})

	// Discovery and ActivityPub: thin handlers over federation.
	r.Get("/.well-known/webfinger", s.handleWebFinger)
	r.Get("/.well-known/host-meta", s.handleHostMeta)
	r.Get("/.well-known/host-meta.json", s.handleHostMeta)
	r.Get("/.well-known/nodeinfo", s.handleNodeInfoLinks)
	r.Get("/nodeinfo/{version}", plain(s.handleNodeInfo))
	r.Post("/inbox", plain(s.handleInbox))
	r.Get("/actor", s.handleInstanceActor)
	r.Get("/emojis/{shortcode}", plain(s.handleEmojiDocument))
	r.Post("/actor/inbox", plain(s.handleInbox))
	for _, path := range []string{"/actor/outbox", "/actor/followers", "/actor/following", "/actor/collections/featured"} {
		r.Get(path, plain(s.handleInstanceCollection))
	}
	r.Route("/users/{username}", func(r chi.Router) {
		r.Use(s.ownerOnly)
		r.Get("/", plain(s.HandleActor))
		r.Post("/inbox", plain(s.handleInbox))
		r.Get("/outbox", plain(s.handleOutbox))
		r.Get("/followers", plain(s.handleFollowCollection))
		r.Get("/following", plain(s.handleFollowCollection))
		r.Get("/followers_synchronization", plain(s.handleFollowersSync))
		r.Get("/collections/featured", plain(s.handleFeatured))
		r.Get("/collections/tags", plain(s.handleFeaturedTags))
		r.Get("/statuses/{id}", plain(s.handlePostDocument))
		r.Get("/statuses/{id}/activity", plain(s.handleCreateActivity))
		r.Get("/statuses/{id}/replies", plain(s.handleReplies))
		r.Get("/quote_authorizations/{id}", plain(s.handleQuoteAuthorization))
	})

	r.Group(func(r chi.Router) {
		r.Use(s.loadSession)
		// Public pages (web/web_public.go, web_public_lists.go, web_feeds.go,
		// web_remote_follow.go): the profile and its feeds (/@user.rss,
		// .atom), permalinks, tags and their feeds, follower lists, and
		// remote follow and interaction for visitors.
		remote := core.NewRateLimiter(web.RemoteFollowBurst, web.RemoteFollowRefill, s.Opts.Now)
		r.Get("/", page(s.web.HandleRoot))
		r.Get("/@{username}", page(s.web.HandleProfile))
		r.Get("/@{username}/{id}", page(s.web.HandleStatusPage))
		r.Get("/@{username}/followers", page(s.web.HandleFollowsPage))
		r.Get("/@{username}/following", page(s.web.HandleFollowsPage))
		r.Get("/@{username}/tagged/{tag}", page(s.web.HandleProfileTagged))
		r.Get("/tags/{tag}", page(s.web.HandleTagPage))
		r.Get("/about", page(s.web.HandleAbout))
		r.Get("/remote_follow", s.web.HandleRemoteFollow(remote))
		r.Get("/interact/{id}", page(s.web.HandleInteract(remote)))
		r.Get("/login", s.web.HandleLoginForm)
		r.Post("/login", page(s.web.HandleLogin))
		// Two-factor sign-in's second step and passkeys (web/login_2fa.go,
		// web/passkeys.go).
		r.Get("/login/2fa", page(s.web.HandleSecondStepForm))
		r.Post("/login/2fa", page(s.web.HandleSecondStep))
		r.Post("/login/passkey/begin", s.web.HandlePasskeyLoginBegin(core.NewRateLimiter(web.PasskeyBegins, web.PasskeyBeginRefill, s.Opts.Now)))
		r.Post("/login/passkey/finish", s.web.HandlePasskeyLoginFinish)

		r.Group(func(r chi.Router) {
			r.Use(s.requireOwner)
			r.Post("/logout", page(s.web.HandleLogout))
			r.Get("/settings/sessions", page(s.web.HandleSessions))
			r.Post("/settings/sessions/revoke", page(s.web.HandleRevokeSession))
			// web/settings_push.go
			r.Get("/settings/push", page(s.web.HandlePushSettings))
			r.Post("/settings/push/remove", page(s.web.HandleRemovePush))
			r.Post("/settings/push/test", page(s.web.HandleTestPush))
			r.Get("/settings/migration", page(s.web.HandleMigration))
			r.Post("/settings/migration/{action}", page(s.web.HandleMigrationPost))
			r.Get("/settings/data", page(s.web.HandleDataPage))
			r.Get("/settings/data/archive.zip", page(s.web.HandleExportArchive))
			r.Get("/settings/data/csv/{kind}", page(s.web.HandleExportCSV))
			r.Post("/settings/data/import", page(s.web.HandleImport))
			// web/settings_emoji.go
			r.Get("/settings/emoji", page(s.web.HandleEmojiSettings))
			r.Post("/settings/emoji", page(s.web.HandleAddEmoji))
			r.Post("/settings/emoji/remove", page(s.web.HandleRemoveEmoji))
		})
	})

	// OAuth: app registration, the consent page, tokens (oauth/), and
	// the owner's own applications (oauth/settings_apps.go). The API checks
	// tokens with APIAuth and RequireScope (core/tokens.go).
	r.Group(func(r chi.Router) {
		r.Use(core.OAuthCORS)
		r.Get("/.well-known/oauth-authorization-server", s.oauth.HandleOAuthMetadata)
		r.Post("/api/v1/apps", json(s.oauth.HandleCreateApp(core.NewRateLimiter(core.AppsBurst, core.AppsRefill, s.Opts.Now))))
		r.With(s.APIAuth, s.RequireToken()).Get("/api/v1/apps/verify_credentials", json(s.oauth.HandleVerifyApp))
		r.Post("/oauth/token", json(s.oauth.HandleToken))
		r.Post("/oauth/revoke", json(s.oauth.HandleRevoke))
		for _, path := range []string{"/api/v1/apps", "/api/v1/apps/verify_credentials", "/oauth/token", "/oauth/revoke"} {
			r.Options(path, http.NotFound) // core.OAuthCORS answers preflights
		}
	})
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/oauth/authorize", page(s.oauth.HandleAuthorize))
		r.Post("/oauth/authorize", page(s.oauth.HandleAuthorizeDecision))
		r.Get("/settings/applications", page(s.oauth.HandleApps))
		r.Post("/settings/applications", page(s.oauth.HandleCreateOwnApp))
		r.Post("/settings/applications/revoke", page(s.oauth.HandleRevokeApp))
	})

	// Owner pages: any account and its buttons, follows, follow
	// requests, blocks and mutes, and the settings (web/web_accounts.go,
	// web_relationships.go, web_blocks.go, web_interaction.go,
	// settings_profile.go, settings_password.go, oauth/settings_apps.go).
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/accounts/{id}", page(s.web.HandleWebAccount))
		r.Post("/accounts/{id}/{action}", page(s.web.HandleWebAccountAction))
		r.Get("/follow", s.web.HandleFollowForm)
		r.Post("/follow", page(s.web.HandleFollowByHandle))
		r.Get("/follow_requests", page(s.web.HandleFollowRequestsPage))
		r.Get("/relationships", page(s.web.HandleRelationshipsPage))
		r.Get("/blocks", page(s.web.HandleBlocksPage))
		r.Post("/blocks/domains", page(s.web.HandleDomainBlockForm))
		r.Get("/authorize_interaction", s.web.HandleAuthorizeInteraction)
		r.Get("/settings", page(s.web.HandleSettings))
		r.Post("/settings/quotes", page(s.web.HandleSaveQuotePolicy))
		r.Get("/settings/profile", page(s.web.HandleProfileForm))
		r.Post("/settings/profile", page(s.web.HandleSaveProfile))
		r.Get("/settings/password", s.web.HandlePasswordForm)
		r.Post("/settings/password", page(s.web.HandleChangePassword))
		// settings_2fa.go, settings_passkeys.go
		r.Get("/settings/2fa", page(s.web.HandleTwoFactor))
		r.Get("/settings/2fa/totp", page(s.web.HandleTOTPSetup))
		r.Get("/settings/2fa/totp/qr.png", page(s.web.HandleTOTPQRCode))
		r.Post("/settings/2fa/totp", page(s.web.HandleTOTPConfirm))
		r.Post("/settings/2fa/totp/disable", page(s.web.HandleTOTPDisable))
		r.Post("/settings/2fa/recovery", page(s.web.HandleRecoveryCodes))
		r.Post("/settings/2fa/passkeys/begin", s.web.HandlePasskeyRegisterBegin)
		r.Post("/settings/2fa/passkeys/finish", s.web.HandlePasskeyRegisterFinish)
		r.Post("/settings/2fa/passkeys/{id}/remove", page(s.web.HandlePasskeyRemove))
		r.Get("/settings/applications/{id}", page(s.oauth.HandleApp))
		r.Post("/settings/applications/{id}/token", page(s.oauth.HandleRegenerateAppToken))
	})

	// The owner's dashboard (web/admin.go); visitors are refused (403).
	r.With(s.loadSession, s.refuseVisitors).Get("/admin", page(s.web.HandleAdmin))

	// Owner pages: timelines, direct conversations, notifications,
	// threads, compose and the buttons on posts (web/web_timelines.go,
	// web_direct.go, web_notifications.go, web_thread.go, web_compose.go,
	// web_status_actions.go), and their live updates (web_events.go).
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/home", page(s.web.HandleWebHome()))
		r.Get("/home/events", page(s.web.HandleWebEvents))
		r.Get("/all", page(s.web.HandleWebAll()))
		r.Get("/bookmarks", page(s.web.HandleWebBookmarks()))
		r.Get("/favourites", page(s.web.HandleWebFavourites()))
		r.Get("/direct", page(s.web.HandleDirect))
		r.Get("/direct/{id}", page(s.web.HandleOpenConversation))
		r.Get("/notifications", page(s.web.HandleWebNotifications))
		r.Get("/thread/{id}", page(s.web.HandleWebThread))
		r.Get("/compose", page(s.web.HandleComposeForm))
		r.Post("/compose", page(s.web.HandleCompose(make(core.UploadSlots, 1))))
		r.Get("/statuses/{id}/delete", page(s.web.HandleDeleteConfirm))
		r.Post("/statuses/{id}", page(s.web.HandleWebStatusAction))
		r.Post("/statuses/{id}/{action}", page(s.web.HandleWebStatusAction))
	})

	// Mastodon API: accounts and statuses (api/api_accounts*.go,
	// api_statuses*.go). Reads Mastodon serves without a token use
	// PublicOrScope; the rest need an owner token with the scope.
	r.Group(func(r chi.Router) {
		r.Use(s.APIAuth)
		pub := func(scope string) func(http.Handler) http.Handler { return s.PublicOrScope(scope) }
		owner := func(scopes ...string) func(http.Handler) http.Handler { return s.RequireScope(scopes...) }

		r.With(owner("read:accounts", "profile")).Get("/api/v1/accounts/verify_credentials", json(s.api.HandleVerifyCredentials))
		r.With(owner("write:accounts")).Patch("/api/v1/accounts/update_credentials", json(s.api.HandleUpdateCredentials))
		r.With(owner("read:follows")).Get("/api/v1/accounts/relationships", json(s.api.HandleRelationships))
		r.With(owner("read:follows")).Get("/api/v1/accounts/familiar_followers", json(s.api.HandleFamiliarFollowers))
		r.With(owner("read:accounts")).Get("/api/v1/accounts/search", json(s.api.HandleAccountSearch))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/lookup", json(s.api.HandleAccountLookup))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}", json(s.api.HandleAccount))
		r.With(pub("read:statuses")).Get("/api/v1/accounts/{id}/statuses", json(s.api.HandleAccountStatuses))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}/followers", json(s.api.HandleAccountFollows("followers")))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}/following", json(s.api.HandleAccountFollows("following")))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}/featured_tags", json(s.api.HandleAccountFeaturedTags))
		r.With(owner("read:lists")).Get("/api/v1/accounts/{id}/lists", json(s.api.HandleAccountLists))
		r.With(owner("write:follows")).Post("/api/v1/accounts/{id}/follow", json(s.api.HandleAccountAction(s.Follow)))
		r.With(owner("write:follows")).Post("/api/v1/accounts/{id}/unfollow", json(s.api.HandleAccountAction(s.Unfollow)))
		r.With(owner("write:follows")).Post("/api/v1/accounts/{id}/remove_from_followers", json(s.api.HandleAccountAction(s.RemoveFromFollowers)))
		r.With(owner("write:blocks")).Post("/api/v1/accounts/{id}/block", json(s.api.HandleAccountAction(s.Block)))
		r.With(owner("write:blocks")).Post("/api/v1/accounts/{id}/unblock", json(s.api.HandleAccountAction(s.Unblock)))
		r.With(owner("write:mutes")).Post("/api/v1/accounts/{id}/mute", json(s.api.HandleAccountAction(s.Mute)))
		r.With(owner("write:mutes")).Post("/api/v1/accounts/{id}/unmute", json(s.api.HandleAccountAction(s.Unmute)))
		r.With(owner("write:accounts")).Post("/api/v1/accounts/{id}/note", json(s.api.HandleAccountAction(s.api.SetNote)))
		r.With(owner("write:accounts")).Post("/api/v1/accounts/{id}/pin", json(s.api.HandleAccountAction(s.api.Endorse)))
		r.With(owner("write:accounts")).Post("/api/v1/accounts/{id}/unpin", json(s.api.HandleAccountAction(s.api.Unendorse)))

		r.With(owner("write:statuses")).Post("/api/v1/statuses", json(s.api.HandleCreateStatus))
		r.With(pub("read:statuses")).Get("/api/v1/statuses", json(s.api.HandleStatuses))
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}", json(s.api.HandleStatus))
		r.With(owner("write:statuses")).Delete("/api/v1/statuses/{id}", json(s.api.HandleDeleteStatus))
		r.With(owner("write:statuses")).Put("/api/v1/statuses/{id}", json(s.api.HandleEditStatus))
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}/history", json(s.api.HandleStatusHistory))
		r.With(owner("read:statuses")).Get("/api/v1/statuses/{id}/source", json(s.api.HandleStatusSource))
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}/context", json(s.api.HandleStatusContext))
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}/card", json(s.api.HandleStatusCard))
		r.With(pub("read:accounts")).Get("/api/v1/statuses/{id}/favourited_by", json(s.api.HandleFavouritedBy))
		r.With(pub("read:accounts")).Get("/api/v1/statuses/{id}/reblogged_by", json(s.api.HandleRebloggedBy))
		r.With(owner("write:favourites")).Post("/api/v1/statuses/{id}/favourite", json(s.api.HandleStatusAction(s.api.Favourite)))
		r.With(owner("write:favourites")).Post("/api/v1/statuses/{id}/unfavourite", json(s.api.HandleStatusAction(s.api.Unfavourite)))
		r.With(owner("write:statuses")).Post("/api/v1/statuses/{id}/reblog", json(s.api.HandleReblog))
		r.With(owner("write:statuses")).Post("/api/v1/statuses/{id}/unreblog", json(s.api.HandleStatusAction(s.api.Unreblog)))
		r.With(owner("write:bookmarks")).Post("/api/v1/statuses/{id}/bookmark", json(s.api.HandleStatusAction(s.api.Bookmark)))
		r.With(owner("write:bookmarks")).Post("/api/v1/statuses/{id}/unbookmark", json(s.api.HandleStatusAction(s.api.Unbookmark)))
		r.With(owner("write:accounts")).Post("/api/v1/statuses/{id}/pin", json(s.api.HandleStatusAction(s.api.PinStatus)))
		r.With(owner("write:accounts")).Post("/api/v1/statuses/{id}/unpin", json(s.api.HandleStatusAction(s.api.UnpinStatus)))
		r.With(owner("write:mutes")).Post("/api/v1/statuses/{id}/mute", json(s.api.HandleStatusAction(s.api.MuteConversation)))
		r.With(owner("write:mutes")).Post("/api/v1/statuses/{id}/unmute", json(s.api.HandleStatusAction(s.api.UnmuteConversation)))
		r.With(pub("read:statuses")).Get("/api/v1/polls/{id}", json(s.api.HandlePoll))
		r.With(owner("write:statuses")).Post("/api/v1/polls/{id}/votes", json(s.api.HandlePollVote))
		r.With(owner("read:statuses")).Get("/api/v1/statuses/{id}/quotes", json(s.api.HandleStatusQuotes))
		r.With(owner("write:statuses")).Post("/api/v1/statuses/{id}/quotes/{quoting_id}/revoke", json(s.api.HandleRevokeQuote))
		r.With(owner("write:statuses")).Put("/api/v1/statuses/{id}/interaction_policy", json(s.api.HandleInteractionPolicy))
	})

	// Mastodon API: instance, timelines, conversations, notifications,
	// search, lists, filters, markers, tags, follow requests, blocks and
	// mutes, scheduled posts, reports, push and media (api/api_instance.go,
	// api_timelines.go, api_conversations.go, api_notifications.go,
	// api_search.go, api_lists.go, api_filters.go, api_misc.go,
	// api_media.go). Lists kith does not fill answer [].
	r.Group(func(r chi.Router) {
		r.Use(s.APIAuth)
		pub := func(scope string) func(http.Handler) http.Handler { return s.PublicOrScope(scope) }
		owner := func(scopes ...string) func(http.Handler) http.Handler { return s.RequireScope(scopes...) }

		r.Get("/api/v1/instance", json(s.api.HandleInstanceV1))
		r.Get("/api/v2/instance", json(s.api.HandleInstanceV2))
		r.Get("/api/v1/instance/peers", json(s.api.HandleInstancePeers))
		r.Get("/api/v1/instance/activity", json(s.api.HandleInstanceActivity))
		r.Get("/api/v1/instance/rules", json(s.api.HandleInstanceRules))
		r.Get("/api/v1/instance/extended_description", json(s.api.HandleExtendedDescription))
		r.Get("/api/v1/custom_emojis", json(s.api.HandleCustomEmojis))
		r.Get("/api/v1/directory", core.EmptyList)
		for _, path := range []string{"/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"} {
			r.Get(path, core.EmptyList)
		}
		r.With(owner("read")).Get("/api/v1/announcements", core.EmptyList)
		r.With(owner("read")).Get("/api/v1/suggestions", core.EmptyList)
		r.With(owner("read")).Get("/api/v2/suggestions", core.EmptyList)
		r.With(owner("read:accounts")).Get("/api/v1/featured_tags", json(s.api.HandleFeaturedTags))
		r.With(owner("write:accounts")).Post("/api/v1/featured_tags", json(s.api.HandleFeatureTag))
		r.With(owner("write:accounts")).Delete("/api/v1/featured_tags/{id}", json(s.api.HandleUnfeatureTag))
		r.With(owner("read:accounts")).Get("/api/v1/featured_tags/suggestions", json(s.api.HandleFeaturedTagSuggestions))
		r.With(owner("read:accounts")).Get("/api/v1/preferences", s.api.HandlePreferences)

		r.With(owner("read:statuses")).Get("/api/v1/timelines/home", json(s.api.HandleHomeTimeline))
		r.With(pub("read:statuses")).Get("/api/v1/timelines/public", json(s.api.HandlePublicTimeline))
		r.With(pub("read:statuses")).Get("/api/v1/timelines/tag/{hashtag}", json(s.api.HandleTagTimeline))
		r.With(owner("read:lists")).Get("/api/v1/timelines/list/{id}", json(s.api.HandleListTimeline))
		r.With(owner("read:favourites")).Get("/api/v1/favourites", json(s.api.HandleFavourites))
		r.With(owner("read:bookmarks")).Get("/api/v1/bookmarks", json(s.api.HandleBookmarks))
		r.With(owner("read:statuses")).Get("/api/v1/conversations", json(s.api.HandleConversations))
		r.With(owner("write:conversations")).Post("/api/v1/conversations/{id}/read", json(s.api.HandleReadConversation))
		r.With(owner("write:conversations")).Delete("/api/v1/conversations/{id}", json(s.api.HandleDeleteConversation))
		r.With(owner("read:accounts")).Get("/api/v1/endorsements", json(s.api.HandleEndorsements))

		r.With(owner("read:notifications")).Get("/api/v1/notifications", s.api.HandleNotifications)
		r.With(owner("read:notifications")).Get("/api/v1/notifications/unread_count", json(s.api.HandleUnreadCount))
		r.With(owner("read:notifications")).Get("/api/v1/notifications/requests", core.EmptyList)
		r.With(owner("write:notifications")).Post("/api/v1/notifications/clear", json(s.api.HandleClearNotifications))
		r.With(owner("read:notifications")).Get("/api/v1/notifications/{id}", json(s.api.HandleNotification))
		r.With(owner("write:notifications")).Post("/api/v1/notifications/{id}/dismiss", json(s.api.HandleDismissNotification))
		r.With(owner("read:notifications")).Get("/api/v2/notifications", s.api.HandleGroupedNotifications)
		r.With(owner("read:notifications")).Get("/api/v2/notifications/unread_count", json(s.api.HandleUnreadCount))
		r.With(owner("read:notifications")).Get("/api/v2/notifications/policy", json(s.api.HandleNotificationPolicy))
		r.With(owner("write:notifications")).Patch("/api/v2/notifications/policy", json(s.api.HandleNotificationPolicy))
		r.With(owner("read:notifications")).Get("/api/v2/notifications/{id}", json(s.api.HandleNotificationGroup))
		r.With(owner("read:notifications")).Get("/api/v2/notifications/{id}/accounts", json(s.api.HandleNotificationGroupAccounts))
		r.With(owner("write:notifications")).Post("/api/v2/notifications/{id}/dismiss", json(s.api.HandleDismissNotification))

		r.With(pub("read:search")).Get("/api/v2/search", json(s.api.HandleSearch))
		r.With(pub("read:search")).Get("/api/v1/search", json(s.api.HandleSearch))
		r.With(pub("read")).Get("/api/v1/tags/{name}", json(s.api.HandleTag))
		r.With(owner("write:follows")).Post("/api/v1/tags/{name}/follow", json(s.api.HandleFollowTag(true)))
		r.With(owner("write:follows")).Post("/api/v1/tags/{name}/unfollow", json(s.api.HandleFollowTag(false)))
		r.With(owner("read:follows")).Get("/api/v1/followed_tags", json(s.api.HandleFollowedTags))

		r.With(owner("read:lists")).Get("/api/v1/lists", json(s.api.HandleLists))
		r.With(owner("write:lists")).Post("/api/v1/lists", json(s.api.HandleCreateList))
		r.With(owner("read:lists")).Get("/api/v1/lists/{id}", json(s.api.HandleList))
		r.With(owner("write:lists")).Put("/api/v1/lists/{id}", json(s.api.HandleUpdateList))
		r.With(owner("write:lists")).Delete("/api/v1/lists/{id}", json(s.api.HandleDeleteList))
		r.With(owner("read:lists")).Get("/api/v1/lists/{id}/accounts", json(s.api.HandleListAccounts))
		r.With(owner("write:lists")).Post("/api/v1/lists/{id}/accounts", json(s.api.HandleAddListAccounts))
		r.With(owner("write:lists")).Delete("/api/v1/lists/{id}/accounts", json(s.api.HandleRemoveListAccounts))

		r.With(owner("read:filters")).Get("/api/v2/filters", json(s.api.HandleFilters))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Post("/api/v2/filters", json(s.api.HandleCreateFilter))
		r.With(owner("read:filters")).Get("/api/v2/filters/keywords/{id}", json(s.api.HandleFilterKeyword))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Put("/api/v2/filters/keywords/{id}", json(s.api.HandleUpdateFilterKeyword))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Delete("/api/v2/filters/keywords/{id}", json(s.api.HandleDeleteFilterKeyword))
		r.With(owner("read:filters")).Get("/api/v2/filters/statuses/{id}", json(s.api.HandleFilterStatus))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Delete("/api/v2/filters/statuses/{id}", json(s.api.HandleDeleteFilterStatus))
		r.With(owner("read:filters")).Get("/api/v2/filters/{id}", json(s.api.HandleFilter))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Put("/api/v2/filters/{id}", json(s.api.HandleUpdateFilter))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Delete("/api/v2/filters/{id}", json(s.api.HandleDeleteFilter))
		r.With(owner("read:filters")).Get("/api/v2/filters/{id}/keywords", json(s.api.HandleFilterKeywords))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Post("/api/v2/filters/{id}/keywords", json(s.api.HandleAddFilterKeyword))
		r.With(owner("read:filters")).Get("/api/v2/filters/{id}/statuses", json(s.api.HandleFilterStatuses))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Post("/api/v2/filters/{id}/statuses", json(s.api.HandleAddFilterStatus))
		r.With(owner("read:filters")).Get("/api/v1/filters", json(s.api.HandleFiltersV1))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Post("/api/v1/filters", json(s.api.HandleCreateFilterV1))
		r.With(owner("read:filters")).Get("/api/v1/filters/{id}", json(s.api.HandleFilterV1))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Put("/api/v1/filters/{id}", json(s.api.HandleUpdateFilterV1))
		r.With(owner("write:filters"), s.api.AnnounceFiltersChanged).Delete("/api/v1/filters/{id}", json(s.api.HandleDeleteFilterV1))

		r.With(owner("read:statuses")).Get("/api/v1/markers", json(s.api.HandleMarkers))
		r.With(owner("write:statuses")).Post("/api/v1/markers", json(s.api.HandleSaveMarkers))
		r.With(owner("read:follows")).Get("/api/v1/follow_requests", json(s.api.HandleFollowRequests))
		r.With(owner("write:follows")).Post("/api/v1/follow_requests/{id}/authorize", json(s.api.HandleAnswerFollowRequest(true)))
		r.With(owner("write:follows")).Post("/api/v1/follow_requests/{id}/reject", json(s.api.HandleAnswerFollowRequest(false)))
		r.With(owner("read:blocks")).Get("/api/v1/blocks", json(s.api.HandleBlocks))
		r.With(owner("read:mutes")).Get("/api/v1/mutes", json(s.api.HandleMutes))
		r.With(owner("read:blocks")).Get("/api/v1/domain_blocks", json(s.api.HandleDomainBlocks))
		r.With(owner("write:blocks")).Post("/api/v1/domain_blocks", json(s.api.HandleDomainBlock(true)))
		r.With(owner("write:blocks")).Delete("/api/v1/domain_blocks", json(s.api.HandleDomainBlock(false)))
		r.With(owner("read:statuses")).Get("/api/v1/scheduled_statuses", json(s.api.HandleScheduledStatuses))
		r.With(owner("read:statuses")).Get("/api/v1/scheduled_statuses/{id}", json(s.api.HandleScheduledStatus))
		r.With(owner("write:statuses")).Put("/api/v1/scheduled_statuses/{id}", json(s.api.HandleReschedule))
		r.With(owner("write:statuses")).Delete("/api/v1/scheduled_statuses/{id}", json(s.api.HandleCancelScheduled))
		r.With(owner("write:reports")).Post("/api/v1/reports", json(s.api.HandleCreateReport))
		r.With(owner("push")).Post("/api/v1/push/subscription", json(s.api.HandleCreatePush))
		r.With(owner("push")).Get("/api/v1/push/subscription", json(s.api.HandlePush))
		r.With(owner("push")).Put("/api/v1/push/subscription", json(s.api.HandleUpdatePush))
		r.With(owner("push")).Delete("/api/v1/push/subscription", json(s.api.HandleDeletePush))

		upload := json(s.api.HandleUploadMedia(make(core.UploadSlots, 1)))
		r.With(owner("write:media")).Post("/api/v1/media", upload)
		r.With(owner("write:media")).Post("/api/v2/media", upload)
		r.With(owner("write:media")).Get("/api/v1/media/{id}", json(s.api.HandleGetMedia))
		r.With(owner("write:media")).Put("/api/v1/media/{id}", json(s.api.HandleUpdateMedia))
	})

	// Streaming API (api/streaming.go): one multiplexed WebSocket and one
	// server-sent-events URL per stream (user:notification is
	// /user/notification). The token may come as Sec-WebSocket-Protocol;
	// scopes are checked per stream, since a WebSocket carries several.
	r.Get("/api/v1/streaming/health", api.HandleStreamingHealth)
	r.Group(func(r chi.Router) {
		r.Use(api.WSProtocolToken, s.APIAuth)
		r.Get("/api/v1/streaming", s.api.HandleStreaming)
		r.Get("/api/v1/streaming/", s.api.HandleStreaming)
		for path, stream := range api.SSEStreamPaths() {
			r.Get(path, s.api.HandleStreamingEvents(stream))
		}
	})

	return r
}
