# Production image: built JS only, no dev dependencies. Node 22 LTS, the runtime oidc-provider 9 supports.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY views ./views
COPY public ./public
# Served at /docs/{name} (discovery's service_documentation points there).
COPY docs ./docs
USER node
EXPOSE 3000
CMD ["node", "dist/main.js"]
