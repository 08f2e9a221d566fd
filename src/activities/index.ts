export * from './smoke';
